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

// The fault kinds each item target takes. A project fault answers for a
// whole call, so the kinds that act on one task of an answer are task-only.
var (
	taskKinds    = []string{"status", "delay", "html", "malformed", "omit"}
	projectKinds = []string{"status", "delay", "html"}
)

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
		if err := f.addItem(strings.TrimSpace(key), val); err != nil {
			return Faults{}, fmt.Errorf("fault %q: %w", item, err)
		}
	}
	return f, nil
}

// addItem applies one KEY=VALUE item to f.
func (f *Faults) addItem(key, val string) error {
	switch {
	case key == "latency":
		d, err := parseDuration(val)
		if err != nil {
			return err
		}
		f.Latency = d
	case key == "error-rate":
		r, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || r < 0 || r > 1 || r != r {
			return errors.New("error-rate must be a number from 0 to 1")
		}
		f.ErrorRate = r
	case strings.HasPrefix(key, "task:"):
		id := strings.TrimPrefix(key, "task:")
		prev, seen := f.Tasks[id]
		tf, err := parseTargetItem("task", id, val, taskKinds, prev, seen)
		if err != nil {
			return err
		}
		if f.Tasks == nil {
			f.Tasks = map[string]TaskFault{}
		}
		f.Tasks[id] = tf
	case strings.HasPrefix(key, "project:"):
		id := strings.TrimPrefix(key, "project:")
		prev, seen := f.Projects[id]
		tf, err := parseTargetItem("project", id, val, projectKinds, prev.asTask(), seen)
		if err != nil {
			return err
		}
		if f.Projects == nil {
			f.Projects = map[string]ProjectFault{}
		}
		f.Projects[id] = projectFaultOf(tf)
	default:
		return fmt.Errorf("unknown key %q (want latency, error-rate, task:ID or project:ID)", key)
	}
	return nil
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

// parseTargetItem reads the value of a task or project item, KIND[:ARGS]
// [@OP+OP], on top of prev: what earlier items for the same target set, so
// that a delay and a status for one task make one fault.
func parseTargetItem(target, id, val string, kinds []string, prev TaskFault, seen bool) (TaskFault, error) {
	if id == "" {
		return prev, fmt.Errorf("missing %s id after %s:", target, target)
	}
	val, opsText, hasOps := strings.Cut(val, "@")
	var ops []Op
	if hasOps {
		for name := range strings.SplitSeq(opsText, "+") {
			op := Op(strings.TrimSpace(name))
			if !validOp(op) {
				return prev, fmt.Errorf("unknown operation %q (want one of %v)", name, Ops())
			}
			ops = append(ops, op)
		}
	}
	if seen && !slices.Equal(prev.Ops, ops) {
		return prev, fmt.Errorf("%s %s: every item for one %s must name the same operations", target, id, target)
	}
	tf := prev
	tf.Ops = ops
	kind, args, _ := strings.Cut(strings.TrimSpace(val), ":")
	if !slices.Contains(kinds, kind) {
		return prev, fmt.Errorf("unknown %s fault %q (want %s or %s)", target, kind,
			strings.Join(kinds[:len(kinds)-1], ", "), kinds[len(kinds)-1])
	}
	return tf, applyKind(&tf, kind, args)
}

// applyKind sets on tf what one fault kind and its arguments say.
func applyKind(tf *TaskFault, kind, args string) error {
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
	case "malformed", "omit":
		if args != "" {
			return fmt.Errorf("%s takes no argument", kind)
		}
		tf.Malformed = tf.Malformed || kind == "malformed"
		tf.Omit = tf.Omit || kind == "omit"
	}
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
	for _, id := range sortedKeys(f.Projects) {
		items = append(items, targetItems("project:"+id, f.Projects[id].asTask())...)
	}
	for _, id := range sortedKeys(f.Tasks) {
		items = append(items, targetItems("task:"+id, f.Tasks[id])...)
	}
	return strings.Join(items, ",")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// targetItems writes one task's or project's fault as items of key.
func targetItems(key string, tf TaskFault) []string {
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
	items := make([]string, len(kinds))
	for i, k := range kinds {
		items[i] = key + "=" + k + suffix
	}
	return items
}

func escapeMessage(s string) string {
	return strings.NewReplacer("%", "%25", ",", "%2C", "@", "%40").Replace(s)
}
