package dcs

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/response"
)

func handle(status int, contentType, body string) error {
	h := http.Header{}
	h.Set("Content-Type", contentType)
	h.Set("X-Request-Id", "req-42")
	resp := &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body))}
	return errorHandler{}.HandleError(nil, response.NewDefaultHttpResponse(resp))
}

func TestErrorHandlerDCSBody(t *testing.T) {
	err := handle(400, "application/json", `{"error_code":"DCS.4957","error_msg":"Operation not allowed.","error_ext_msg":null}`)
	e, ok := AsAPIError(err)
	if !ok || e.Kind != KindResponse || e.HTTPStatus != 400 || e.Code != "DCS.4957" ||
		e.Message != "Operation not allowed." || e.RequestID != "req-42" {
		t.Fatalf("error = %#v", err)
	}
	if e.Ambiguous() {
		t.Error("a 400 must not be ambiguous")
	}
}

func TestErrorHandlerOtherShapes(t *testing.T) {
	for name, c := range map[string]struct{ body, code, msg string }{
		"gateway":      {`{"code":"APIG.0301","message":"Incorrect IAM authentication information"}`, "APIG.0301", "Incorrect IAM authentication information"},
		"iam":          {`{"error":{"code":"401","message":"token expired"}}`, "401", "token expired"},
		"numeric code": {`{"error_code":4957,"error_msg":"nope"}`, "4957", "nope"},
		"code only":    {`{"error_code":"DCS.5000"}`, "DCS.5000", "the DCS API answered HTTP 500 Internal Server Error with no error message"},
		"other JSON":   {`{"status":"down"}`, "", "the DCS API answered HTTP 500 Internal Server Error without a DCS error body"},
		"truncated":    {`{"error_code":"DCS.5000","error_m`, "", "the DCS API answered HTTP 500 Internal Server Error without a DCS error body"},
	} {
		e, _ := AsAPIError(handle(500, "application/json", c.body))
		if e == nil || e.Code != c.code || e.Message != c.msg {
			t.Errorf("%s: error = %#v, want code %q message %q", name, e, c.code, c.msg)
		}
	}
}

func TestErrorHandlerNeverCopiesTheBody(t *testing.T) {
	page := "<html><head><title>502 Bad Gateway</title></head><body>upstream password=hunter2</body></html>"
	e, _ := AsAPIError(handle(502, "text/html", page))
	if e == nil || e.Kind != KindResponse || e.HTTPStatus != 502 || e.Code != "" {
		t.Fatalf("error = %#v", e)
	}
	if e.Message != "the DCS API answered HTTP 502 Bad Gateway without a DCS error body" {
		t.Errorf("message = %q", e.Message)
	}
	if strings.Contains(e.Error(), "<html") || strings.Contains(e.Error(), "hunter2") {
		t.Errorf("error text copies the body: %q", e.Error())
	}
	if !e.Ambiguous() {
		t.Error("a 5xx must be ambiguous")
	}
}

func TestErrorHandlerLongMessageIsClipped(t *testing.T) {
	long := strings.Repeat("é", 3000)
	e, _ := AsAPIError(handle(400, "application/json", `{"error_code":"DCS.4070","error_msg":"`+long+`"}`))
	if e == nil || len(e.Message) > maxErrorText+len("…") || !strings.HasSuffix(e.Message, "…") {
		t.Fatalf("message of %d bytes not clipped", len(e.Message))
	}
	if !strings.HasPrefix(long, strings.TrimSuffix(e.Message, "…")) {
		t.Error("clipping cut a rune in half")
	}
}

func TestErrorHandlerRedirectIsAnError(t *testing.T) {
	e, _ := AsAPIError(handle(http.StatusFound, "text/html", `<a href="https://login.example">Found</a>`))
	if e == nil || e.HTTPStatus != 302 || !strings.Contains(e.Message, "redirect") || strings.Contains(e.Message, "login") {
		t.Fatalf("302 = %#v, want a redirect error without the body", e)
	}
}

func TestErrorHandlerPassesSuccessThrough(t *testing.T) {
	h := http.Header{"X-Request-Id": {"req-7"}}
	resp := &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader(`{}`))}
	if err := (errorHandler{}).HandleError(nil, response.NewDefaultHttpResponse(resp)); err != nil {
		t.Fatalf("200 = %v", err)
	}
	a, ok := resp.Body.(*answer)
	if !ok || a.status != 200 || a.requestID != "req-7" {
		t.Fatalf("body = %#v, want an *answer carrying status and request id", resp.Body)
	}
}

func TestReadAnswer(t *testing.T) {
	body := func(s string) io.ReadCloser {
		return &answer{ReadCloser: io.NopCloser(strings.NewReader(s)), status: 200, requestID: "req-1"}
	}
	for name, s := range map[string]string{
		"empty":      "",
		"whitespace": " \n ",
		"html":       "<html>password=hunter2</html>",
		"array":      "[]",
		"null":       "null",
		"too large":  "{" + strings.Repeat(" ", maxBody) + "}",
	} {
		_, e := readAnswer(body(s), "15s")
		if e == nil || e.Kind != KindDecode || e.HTTPStatus != 200 || e.RequestID != "req-1" {
			t.Errorf("%s: error = %#v, want KindDecode with status and request id", name, e)
			continue
		}
		if strings.Contains(e.Message, "hunter2") || strings.Contains(e.Message, "<html") {
			t.Errorf("%s: message quotes the body: %q", name, e.Message)
		}
	}
	data, e := readAnswer(body(` {"a":1} `), "15s")
	if e != nil || string(data) != `{"a":1}` {
		t.Errorf("object = %q, %v", data, e)
	}
}

func TestUnmarshalAnswerDoesNotQuoteTheBody(t *testing.T) {
	for _, body := range []string{
		`{"task_id":"x","source_instance":{"password":"hunter2"`,
		`{"task_id":"x","source_instance":{"password":"hunter2"}} trailing`,
	} {
		_, e := decodeTask([]byte(body))
		if e == nil || e.Kind != KindDecode {
			t.Fatalf("%s: error = %v, want KindDecode", body, e)
		}
		if strings.Contains(e.Message, "hunter2") {
			t.Errorf("message quotes the body: %q", e.Message)
		}
	}
}
