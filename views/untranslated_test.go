package views

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// notYetTranslated are the files still being moved to the catalogs; the
// tests below skip them. The list only shrinks. (Views files by name,
// handlers files by their path from here.)
var notYetTranslated = map[string]bool{}

// words is text a person would read: a letter of any script, two in a row.
var words = regexp.MustCompile(`[\p{L}]{2,}`)

// readAttrs are the attributes whose values people read (or hear).
var readAttrs = regexp.MustCompile(`\b(title|aria-label|aria-description|placeholder|alt|label)="([^"]*)"`)

// TestTemplatesHaveNoLiteralText: a templ file's text and readable
// attributes come from the catalogs (tr, trn), never written in the file.
func TestTemplatesHaveNoLiteralText(t *testing.T) {
	files, err := filepath.Glob("*.templ")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if notYetTranslated[f] {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range templText(string(b)) {
			if line == "" {
				continue
			}
			for _, m := range readAttrs.FindAllStringSubmatch(line, -1) {
				if words.MatchString(m[2]) {
					t.Errorf("%s:%d: %s=%q is written in the template", f, i+1, m[1], m[2])
				}
			}
			text := tags.ReplaceAllString(line, " ")
			if words.MatchString(text) {
				t.Errorf("%s:%d: text %q is written in the template", f, i+1, strings.TrimSpace(text))
			}
		}
	}
}

var (
	comment   = regexp.MustCompile(`<!--.*?-->`)
	tags      = regexp.MustCompile(`<[^>]*>`)
	goLine    = regexp.MustCompile(`^(//|if |} else|else |for |switch |case |default:|}|templ |package |import|\)|"|@|func |return |var |const |type )`)
	component = regexp.MustCompile(`@[\w.]+`)
)

// templText is a templ file's lines as markup, one string per line: Go
// lines, comments and { expressions } blanked, tag attributes kept for the
// readable-attribute check.
func templText(src string) []string {
	lines := strings.Split(src, "\n")
	out := make([]string, len(lines))
	inTemplate, inTag, inGo := false, false, false
	for i, raw := range lines {
		line := strings.TrimSpace(raw)
		switch {
		case strings.HasPrefix(line, "templ "):
			inTemplate, inGo = true, false
			continue
		case !inTemplate && raw != "" && !strings.HasPrefix(raw, "\t"):
			// Outside templates: Go code of the file (imports, funcs).
			inGo = strings.HasPrefix(line, "import") || strings.HasPrefix(line, "func") || inGo
			continue
		case !inTemplate:
			continue
		}
		if raw == "}" { // a template's end
			inTemplate = false
			continue
		}
		line = comment.ReplaceAllString(line, "")
		line = blankExprs(line)
		if !inTag && goLine.MatchString(line) {
			continue
		}
		line = blankCalls(line)
		// A tag may span lines: its attribute lines are kept as attributes.
		if inTag {
			if j := strings.Index(line, ">"); j >= 0 {
				out[i] = "<" + line[:j+1] + line[j+1:]
				inTag = false
			} else {
				out[i] = "<" + line + ">"
			}
			continue
		}
		if j := strings.LastIndex(line, "<"); j >= 0 && !strings.Contains(line[j:], ">") {
			inTag = true
			line += ">"
		}
		out[i] = line
	}
	return out
}

// blankCalls removes @Component(arguments) calls, nested parentheses and
// all.
func blankCalls(s string) string {
	for {
		loc := component.FindStringIndex(s)
		if loc == nil {
			return s
		}
		end := loc[1]
		if end < len(s) && s[end] == '(' {
			depth := 0
			for ; end < len(s); end++ {
				if s[end] == '(' {
					depth++
				} else if s[end] == ')' {
					depth--
					if depth == 0 {
						end++
						break
					}
				}
			}
		}
		s = s[:loc[0]] + " " + s[end:]
	}
}

// blankExprs removes { Go expressions } (nested braces included) and
// attribute values given as expressions.
func blankExprs(s string) string {
	var b strings.Builder
	depth := 0
	inStr := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if depth > 0 {
			switch {
			case inStr != 0 && c == '\\':
				i++
			case inStr != 0 && c == inStr:
				inStr = 0
			case inStr != 0:
			case c == '"' || c == '`':
				inStr = c
			case c == '{':
				depth++
			case c == '}':
				depth--
			}
			continue
		}
		if c == '{' {
			depth = 1
			b.WriteString(" ")
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// prose is a Go string literal a person would read: two words or more, or
// one capitalised word followed by punctuation.
var prose = regexp.MustCompile(`[A-Za-z]{2,}[ ,.:;!?'’][ ]?[A-Za-z]{2,}|^[A-Z][a-z]+[.:!?]?$|\p{Han}`)

// notProse are calls whose string arguments no page shows: logging,
// errors for the log, headers and the like, and the calls that take
// message ids and placeholder names (handlers' pageErr and badRequest too).
var notProse = regexp.MustCompile(`^(log|s\.log|slog|t|c\.Logger\(\)|fmt|errors|strings|e\.log)\.|\.(Debug|Info|Warn|Error|Errorf|New|Set|Add|Get|Del|Header|Contains|HasPrefix|TrimPrefix|Join|Split|Replace|ReplaceAll|Match|MustCompile|Redirect|String|Attr|Cookie|QueryParam|FormValue|Param)$|^(tr|trn|s\.tr|i18n\.T|i18n\.N|p\.T|p\.N|pageErr|badRequest)$`)

// machineOutput are files whose strings only machines read: the readiness
// probe's answer and the security headers.
var machineOutput = map[string]bool{"readiness.go": true, "security.go": true}

// markup is a piece of HTML written by hand (a tag, or attributes): its
// words are names of elements and attributes, not text.
var markup = regexp.MustCompile(`^\s*</?[a-z]|^"?\s*[a-z-]+="`)

// catalogID is a message id, which is not text but names some.
var catalogID = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-zA-Z0-9_\-]+)+$`)

// TestGoHasNoLiteralText: no string literal of the views and handlers
// packages reads as words a page would show; those come from the catalogs.
// Log lines, errors for the log, headers and identifiers are not text.
func TestGoHasNoLiteralText(t *testing.T) {
	var files []string
	for _, dir := range []string{".", "../handlers"} {
		fs, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if !strings.HasSuffix(f, "_test.go") && !strings.HasSuffix(f, "_templ.go") {
				files = append(files, f)
			}
		}
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if notYetTranslated[f] || machineOutput[filepath.Base(f)] {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		skip := map[*ast.BasicLit]bool{}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ImportSpec:
				skip[n.Path] = true
			case *ast.Field:
				if n.Tag != nil {
					skip[n.Tag] = true
				}
			case *ast.CompositeLit:
				// A dcs.APIError's message is the technical detail of a
				// failure, which pages frame in words (errors.detail.*).
				if exprName(n.Type) == "dcs.APIError" {
					ast.Inspect(n, func(m ast.Node) bool {
						if lit, ok := m.(*ast.BasicLit); ok {
							skip[lit] = true
						}
						return true
					})
				}
			case *ast.CallExpr:
				if notProse.MatchString(exprName(n.Fun)) {
					ast.Inspect(n, func(m ast.Node) bool {
						if lit, ok := m.(*ast.BasicLit); ok {
							skip[lit] = true
						}
						return true
					})
				}
			}
			return true
		})
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING || skip[lit] {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			if prose.MatchString(s) && !strings.Contains(s, "://") && !catalogID.MatchString(s) && !markup.MatchString(s) {
				t.Errorf("%s: %q reads as text; take it from the catalogs", fset.Position(lit.Pos()), s)
			}
			return true
		})
	}
}

// exprName is a call's function as written: "s.log.Warn", "fmt.Sprintf".
func exprName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprName(e.X) + "." + e.Sel.Name
	case *ast.CallExpr:
		return exprName(e.Fun) + "()"
	case *ast.IndexExpr:
		return exprName(e.X)
	}
	return ""
}
