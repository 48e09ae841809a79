package dcssim

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Faults are failures injected into answers, after authentication. The zero
// value injects nothing.
type Faults struct {
	Latency   time.Duration        // added to every call
	ErrorRate float64              // 0..1: fraction of calls answered 500 DCS.5000
	Tasks     map[string]TaskFault // by task id
}

// TaskFault is a failure for the calls naming one task.
type TaskFault struct {
	// Ops limits the fault to these operations; empty means every call
	// naming the task (a List call names a task only when Ops holds OpList
	// explicitly and the task is on the page returned).
	Ops []Op
	// Delay is extra latency before the call is answered.
	Delay time.Duration
	// Status, if non-zero, is answered instead of the call's own answer,
	// with a DCS error body of Code and Message (defaults by status).
	// The call does not take effect.
	Status        int
	Code, Message string
	// HTML answers an HTML error page, like a gateway would, with Status
	// (502 if zero) and Content-Type text/html. The call does not take effect.
	HTML bool
	// Malformed answers 200 with a truncated JSON body. The call does take
	// effect (a stop is accepted), which is what makes such an answer hard.
	Malformed bool
	// Omit leaves the task out of a batch stop's answer, which the API is
	// not documented to do but a client must survive. The stop does take
	// effect, so only reading the task again tells what happened.
	Omit bool
}

func (tf TaskFault) appliesTo(op Op) bool {
	if len(tf.Ops) == 0 {
		return op != OpList
	}
	return slices.Contains(tf.Ops, op)
}

func (f Faults) clone() Faults {
	if f.Tasks == nil {
		return f
	}
	m := make(map[string]TaskFault, len(f.Tasks))
	for id, tf := range f.Tasks {
		tf.Ops = slices.Clone(tf.Ops)
		m[id] = tf
	}
	f.Tasks = m
	return f
}

// FaultSyntax documents ParseFaults' syntax; the command prints it in -help.
const FaultSyntax = `Fault spec: comma-separated items, each one of
  latency=DURATION            added to every call (e.g. 100ms)
  error-rate=FRACTION         0..1: that fraction of calls answers 500 DCS.5000
  task:ID=status:HTTP[:CODE[:MESSAGE]]
                              calls naming task ID answer HTTP (400-599) with a
                              DCS error body (the call does not take effect)
  task:ID=delay:DURATION      calls naming task ID are delayed
  task:ID=html[:HTTP]         calls naming task ID answer an HTML page (default 502)
  task:ID=malformed           calls naming task ID answer 200 with truncated JSON
                              (the call takes effect)
  task:ID=omit                a batch stop naming task ID leaves it out of the
                              answer (the stop takes effect)
A task item may end in @OP or @OP+OP... to limit it to those operations:
  ListMigrationTask ShowMigrationTask ShowMigrationTaskStats
  ListMigrationTaskLogs StopMigrationTask BatchStopMigrationTasks
In MESSAGE, write "%2C" for a comma, "%40" for "@" and "%25" for "%".
Example: latency=100ms,error-rate=0.05,task:ID=status:400:DCS.4957:Operation not allowed@StopMigrationTask`

// ParseFaults reads a fault spec (see FaultSyntax). An empty spec is no faults.
func ParseFaults(spec string) (Faults, error) {
	var f Faults
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		key, val, ok := strings.Cut(item, "=")
		if !ok {
			return Faults{}, fmt.Errorf("fault %q: want KEY=VALUE", item)
		}
		key = strings.TrimSpace(key)
		switch {
		case key == "latency":
			d, err := parseDuration(val)
			if err != nil {
				return Faults{}, fmt.Errorf("fault %q: %w", item, err)
			}
			f.Latency = d
		case key == "error-rate":
			r, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
			if err != nil || r < 0 || r > 1 || r != r {
				return Faults{}, fmt.Errorf("fault %q: error-rate must be a number from 0 to 1", item)
			}
			f.ErrorRate = r
		case strings.HasPrefix(key, "task:"):
			id := strings.TrimPrefix(key, "task:")
			if id == "" {
				return Faults{}, fmt.Errorf("fault %q: missing task id after task:", item)
			}
			if err := f.addTaskItem(id, val); err != nil {
				return Faults{}, fmt.Errorf("fault %q: %w", item, err)
			}
		default:
			return Faults{}, fmt.Errorf("fault %q: unknown key %q (want latency, error-rate or task:ID)", item, key)
		}
	}
	return f, nil
}

func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("bad duration %q (e.g. 250ms, 3s)", s)
	}
	if d < 0 {
		return 0, errors.New("duration must not be negative")
	}
	return d, nil
}

func (f *Faults) addTaskItem(id, val string) error {
	val, opsText, hasOps := strings.Cut(val, "@")
	var ops []Op
	if hasOps {
		for name := range strings.SplitSeq(opsText, "+") {
			op := Op(strings.TrimSpace(name))
			if !validOp(op) {
				return fmt.Errorf("unknown operation %q (want one of %v)", name, Ops())
			}
			ops = append(ops, op)
		}
	}
	kind, args, _ := strings.Cut(strings.TrimSpace(val), ":")
	tf, seen := f.Tasks[id]
	if seen && !slices.Equal(tf.Ops, ops) {
		return fmt.Errorf("task %s: every item for one task must name the same operations", id)
	}
	tf.Ops = ops
	switch kind {
	case "delay":
		d, err := parseDuration(args)
		if err != nil {
			return err
		}
		tf.Delay = d
	case "status":
		parts := strings.SplitN(args, ":", 3)
		st, err := parseStatus(parts[0])
		if err != nil {
			return err
		}
		tf.Status, tf.HTML = st, false
		if len(parts) > 1 {
			tf.Code = parts[1]
		}
		if len(parts) > 2 {
			msg, err := url.PathUnescape(parts[2])
			if err != nil {
				return fmt.Errorf("bad escape in message %q", parts[2])
			}
			tf.Message = msg
		}
	case "html":
		tf.HTML, tf.Status = true, 502
		if args != "" {
			st, err := parseStatus(args)
			if err != nil {
				return err
			}
			tf.Status = st
		}
	case "malformed":
		if args != "" {
			return errors.New("malformed takes no argument")
		}
		tf.Malformed = true
	case "omit":
		if args != "" {
			return errors.New("omit takes no argument")
		}
		tf.Omit = true
	default:
		return fmt.Errorf("unknown task fault %q (want status, delay, html, malformed or omit)", kind)
	}
	if f.Tasks == nil {
		f.Tasks = map[string]TaskFault{}
	}
	f.Tasks[id] = tf
	return nil
}

func parseStatus(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 400 || n > 599 {
		return 0, fmt.Errorf("HTTP status %q must be a number from 400 to 599", s)
	}
	return n, nil
}

// String writes f in ParseFaults' syntax; ParseFaults(f.String()) equals f.
func (f Faults) String() string {
	var items []string
	if f.Latency != 0 {
		items = append(items, "latency="+f.Latency.String())
	}
	if f.ErrorRate != 0 {
		items = append(items, "error-rate="+strconv.FormatFloat(f.ErrorRate, 'g', -1, 64))
	}
	ids := make([]string, 0, len(f.Tasks))
	for id := range f.Tasks {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		tf := f.Tasks[id]
		suffix := ""
		if len(tf.Ops) > 0 {
			names := make([]string, len(tf.Ops))
			for i, op := range tf.Ops {
				names[i] = string(op)
			}
			suffix = "@" + strings.Join(names, "+")
		}
		var kinds []string
		if tf.Delay != 0 {
			kinds = append(kinds, "delay:"+tf.Delay.String())
		}
		switch {
		case tf.HTML && tf.Status == 0:
			kinds = append(kinds, "html")
		case tf.HTML:
			kinds = append(kinds, "html:"+strconv.Itoa(tf.Status))
		case tf.Status != 0:
			kinds = append(kinds, "status:"+strconv.Itoa(tf.Status)+":"+tf.Code+":"+escapeMessage(tf.Message))
		}
		if tf.Malformed {
			kinds = append(kinds, "malformed")
		}
		if tf.Omit {
			kinds = append(kinds, "omit")
		}
		for _, k := range kinds {
			items = append(items, "task:"+id+"="+k+suffix)
		}
	}
	return strings.Join(items, ",")
}

func escapeMessage(s string) string {
	return strings.NewReplacer("%", "%25", ",", "%2C", "@", "%40").Replace(s)
}
