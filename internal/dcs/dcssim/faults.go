package dcssim

import (
	"slices"
	"time"
)

// Faults are failures injected into answers, after authentication. The zero
// value injects nothing. A call meets them in this order: Latency, its
// project's fault, ErrorRate, then the faults of the tasks it names.
type Faults struct {
	Latency   time.Duration           // added to every call
	ErrorRate float64                 // 0..1: fraction of calls answered 500 DCS.5000
	Tasks     map[string]TaskFault    // by task id
	Projects  map[string]ProjectFault // by project id
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

// ProjectFault is a failure for every call on one project's path, so that
// one project (one region of a multi-region dashboard, say) can fail alone
// while the others answer.
type ProjectFault struct {
	// Ops limits the fault to these operations; empty means every call on
	// the project's path, ListMigrationTask included.
	Ops []Op
	// Delay is extra latency before the call is answered.
	Delay time.Duration
	// Status, if non-zero, answers the whole call (a batch stop included)
	// with a DCS error body of Code and Message (defaults by status). The
	// call does not take effect.
	Status        int
	Code, Message string
	// HTML answers an HTML error page with Status (502 if zero). The call
	// does not take effect.
	HTML bool
}

func (tf TaskFault) appliesTo(op Op) bool {
	if len(tf.Ops) == 0 {
		return op != OpList
	}
	return slices.Contains(tf.Ops, op)
}

func (pf ProjectFault) appliesTo(op Op) bool {
	return len(pf.Ops) == 0 || slices.Contains(pf.Ops, op)
}

// asTask is pf as the task fault that answers the same way, so parsing,
// writing and answering a fault are written once for both kinds.
func (pf ProjectFault) asTask() TaskFault {
	return TaskFault{Ops: pf.Ops, Delay: pf.Delay, Status: pf.Status, Code: pf.Code, Message: pf.Message, HTML: pf.HTML}
}

// projectFaultOf is asTask's inverse; tf must not be Malformed or Omit.
func projectFaultOf(tf TaskFault) ProjectFault {
	return ProjectFault{Ops: tf.Ops, Delay: tf.Delay, Status: tf.Status, Code: tf.Code, Message: tf.Message, HTML: tf.HTML}
}

func (f Faults) clone() Faults {
	f.Tasks = cloneFaultMap(f.Tasks, func(tf TaskFault) TaskFault { tf.Ops = slices.Clone(tf.Ops); return tf })
	f.Projects = cloneFaultMap(f.Projects, func(pf ProjectFault) ProjectFault { pf.Ops = slices.Clone(pf.Ops); return pf })
	return f
}

// cloneFaultMap copies m with each value passed through dup; nil stays nil,
// so a cloned zero Faults still equals Faults{}.
func cloneFaultMap[V any](m map[string]V, dup func(V) V) map[string]V {
	if m == nil {
		return nil
	}
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = dup(v)
	}
	return out
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
  project:ID=status:HTTP[:CODE[:MESSAGE]]
                              every call on project ID's path answers HTTP with a
                              DCS error body (the call does not take effect)
  project:ID=delay:DURATION   every call on project ID's path is delayed
  project:ID=html[:HTTP]      every call on project ID's path answers an HTML page
A task or project item may end in @OP or @OP+OP... to limit it to those operations:
  ListMigrationTask ShowMigrationTask ShowMigrationTaskStats
  ListMigrationTaskLogs StopMigrationTask BatchStopMigrationTasks
In MESSAGE, write "%2C" for a comma, "%40" for "@" and "%25" for "%".
Example: latency=100ms,error-rate=0.05,task:ID=status:400:DCS.4957:Operation not allowed@StopMigrationTask`
