package dcs

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Tolerant JSON values. The reference's own examples disagree with the SDK's
// models (numbers where a string is declared, nulls, unknown enum values), and
// the SDK's decoder fails the whole call over one such field. Nothing here
// ever returns an error: a field that cannot be read is left empty, and the
// page shows what it has.

// wireString accepts a string, a number (kept as its text), a boolean, or
// null. Objects and arrays become "": a scalar field never fails a page.
type wireString string

// UnmarshalJSON implements json.Unmarshaler.
func (s *wireString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*s = ""
	case b[0] == '"':
		var v string
		if json.Unmarshal(b, &v) == nil {
			*s = wireString(v)
		} else {
			*s = ""
		}
	case b[0] == '{' || b[0] == '[':
		*s = ""
	default: // number, true, false
		*s = wireString(b)
	}
	return nil
}

// wireStrings is a list of tolerant strings; a lone scalar is taken as a
// one-element list and null or an object as none.
type wireStrings []string

// UnmarshalJSON implements json.Unmarshaler.
func (l *wireStrings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*l = nil
	if len(b) == 0 || b[0] == '{' || string(b) == "null" {
		return nil
	}
	if b[0] != '[' {
		var one wireString
		_ = one.UnmarshalJSON(b)
		if one != "" {
			*l = []string{string(one)}
		}
		return nil
	}
	var items []wireString
	if json.Unmarshal(b, &items) != nil {
		return nil
	}
	for _, it := range items {
		if it != "" {
			*l = append(*l, string(it))
		}
	}
	return nil
}

// wireBool accepts true/false, "true"/"false" in any case, and 1/0 as
// number or string. Anything else, including null, leaves it unset.
type wireBool struct {
	set, val bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *wireBool) UnmarshalJSON(b []byte) error {
	var s wireString
	_ = s.UnmarshalJSON(b)
	*v = wireBool{}
	if parsed, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(string(s)))); err == nil {
		*v = wireBool{set: true, val: parsed}
	}
	return nil
}

// ptr is the domain's *bool: nil when the API sent nothing usable.
func (v wireBool) ptr() *bool {
	if !v.set {
		return nil
	}
	b := v.val
	return &b
}

// secretPresence decodes a password field into whether one was sent. The
// bytes are looked at and dropped here: no wire struct has a field that
// could keep a password, so none can reach a page, a log or an error.
type secretPresence bool

// UnmarshalJSON implements json.Unmarshaler.
func (p *secretPresence) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*p = secretPresence(len(b) > 0 && string(b) != "null" && string(b) != `""`)
	return nil
}

// tolerantList decodes a JSON array element by element, dropping elements
// that do not decode; null or a non-array gives an empty list.
type tolerantList[T any] []T

// UnmarshalJSON implements json.Unmarshaler.
func (l *tolerantList[T]) UnmarshalJSON(b []byte) error {
	*l = nil
	var raw []json.RawMessage
	if json.Unmarshal(b, &raw) != nil {
		return nil
	}
	for _, r := range raw {
		var v T
		if json.Unmarshal(r, &v) == nil {
			*l = append(*l, v)
		}
	}
	return nil
}

// decodeObject decodes b into v only when b is a JSON object, and reports
// whether it was one. A nested object of the wrong type (a string, a number)
// is taken as absent rather than failing the whole answer.
func decodeObject(b []byte, v any) (bool, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return false, nil
	}
	return true, json.Unmarshal(b, v)
}
