package handlers

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gorilla/securecookie"
)

// sessionSerializer writes a session's values as JSON behind a marker
// byte, instead of securecookie's default gob: gob compiles a decoder for
// the values' types on every cookie it reads, which made reading the
// session a tenth of the CPU of serving a list page. A session holds only
// strings and lists of strings under string keys (csrf.go, oidc.go,
// session.go), which JSON carries exactly.
//
// Cookies written before by gob are still read: no gob stream can start
// with the marker (gob's first byte is a length, below 0x80 or above
// 0xF7), so whoever was signed in stays signed in across the upgrade.
type sessionSerializer struct{}

// jsonSession marks a session written as JSON.
const jsonSession = 0xA0

func (sessionSerializer) Serialize(src any) ([]byte, error) {
	values, ok := src.(map[any]any)
	if !ok {
		return nil, fmt.Errorf("sessions: values of type %T", src)
	}
	out := make(map[string]any, len(values))
	for k, v := range values {
		key, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("sessions: key %v of type %T", k, k)
		}
		switch v.(type) {
		case string, []any, []string:
		default:
			return nil, fmt.Errorf("sessions: value of %s of type %T", key, v)
		}
		out[key] = v
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	return append([]byte{jsonSession}, b...), nil
}

func (sessionSerializer) Deserialize(src []byte, dst any) error {
	if len(src) == 0 || src[0] != jsonSession {
		return securecookie.GobEncoder{}.Deserialize(src, dst)
	}
	values, ok := dst.(*map[any]any)
	if !ok {
		return fmt.Errorf("sessions: decoding into %T", dst)
	}
	var in map[string]any
	if err := json.Unmarshal(src[1:], &in); err != nil {
		return err
	}
	if *values == nil {
		*values = make(map[any]any, len(in))
	}
	for k, v := range in {
		switch v.(type) {
		case string, []any:
		default:
			return errors.New("sessions: a value is neither text nor a list")
		}
		(*values)[k] = v
	}
	return nil
}
