package handlers

import (
	"bytes"
	"testing"

	"github.com/gorilla/securecookie"
)

// TestSessionCookiesAcrossTheCodecChange: a session written as JSON reads
// back as written; one written by gob (every cookie before the change)
// still reads, so nobody is signed out by the upgrade; values a session
// never holds are refused rather than written in a form that would not
// read back the same.
func TestSessionCookiesAcrossTheCodecChange(t *testing.T) {
	hash, block := bytes.Repeat([]byte("h"), 32), bytes.Repeat([]byte("e"), 32)
	values := map[any]any{csrfKey: "token-1", signedInKey: `{"sub":"alice"}`, flashKey: []any{"banner one", "banner two"}}

	now := securecookie.New(hash, block)
	now.SetSerializer(sessionSerializer{})
	cookie, err := now.Encode("s", values)
	if err != nil {
		t.Fatal(err)
	}
	got := map[any]any{}
	if err := now.Decode("s", cookie, &got); err != nil {
		t.Fatal(err)
	}
	if got[csrfKey] != "token-1" || got[signedInKey] != `{"sub":"alice"}` {
		t.Errorf("read back %v", got)
	}
	if flashes, _ := got[flashKey].([]any); len(flashes) != 2 || flashes[1] != "banner two" {
		t.Errorf("flashes read back as %#v", got[flashKey])
	}

	before := securecookie.New(hash, block) // gob, as securecookie writes by default
	old, err := before.Encode("s", values)
	if err != nil {
		t.Fatal(err)
	}
	got = map[any]any{}
	if err := now.Decode("s", old, &got); err != nil || got[csrfKey] != "token-1" {
		t.Errorf("a cookie from before the change: %v, %v", got, err)
	}

	for _, bad := range []map[any]any{{1: "x"}, {"n": 3}} {
		if _, err := now.Encode("s", bad); err == nil {
			t.Errorf("%v was written", bad)
		}
	}
}
