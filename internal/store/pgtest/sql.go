package pgtest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// admin connects as the superuser through the socket.
func (c *cluster) admin(ctx context.Context) (*pgx.Conn, error) {
	// Quoted: the temporary folder's path may hold spaces.
	host := "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(c.dir) + "'"
	return pgx.Connect(ctx, fmt.Sprintf("host=%s port=%d user=%s dbname=postgres", host, c.port, superuser))
}

// exec runs one statement as the superuser.
func (c *cluster) exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	conn, err := c.admin(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// createAppUser creates appUser and the database of the same name it owns.
func (c *cluster) createAppUser() error {
	// The password is hex, so it needs no quoting; utility statements take
	// no parameters.
	if err := c.exec(fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", appUser, c.password)); err != nil {
		return fmt.Errorf("creating role %s: %w", appUser, err)
	}
	return c.createDatabase(appUser)
}

// createDatabase creates an empty database owned by appUser.
func (c *cluster) createDatabase(name string) error {
	if err := c.exec(fmt.Sprintf("CREATE DATABASE %s OWNER %s",
		pgx.Identifier{name}.Sanitize(), appUser)); err != nil {
		return fmt.Errorf("creating database %s: %w", name, err)
	}
	return nil
}

// dropDatabase drops database name, closing any connection left to it.
func (c *cluster) dropDatabase(name string) error {
	return c.exec(fmt.Sprintf("DROP DATABASE %s WITH (FORCE)", pgx.Identifier{name}.Sanitize()))
}

// dsn is the URL a test connects to database name with: TCP on loopback as
// appUser, like the dashboard in production.
func (c *cluster) dsn(name string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(appUser, c.password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + name,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}
