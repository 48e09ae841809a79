package taskcache_test

import (
	"context"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/taskcache"
)

// TestSliceIsolation: callers sharing one upstream call each modify what
// they got (tasks and logs), while others read a shared list page as
// handlers do (copying the tasks they complete). Under -race any shared
// backing array written is a reported race; afterwards the cache must
// still hold the page as read.
func TestSliceIsolation(t *testing.T) {
	e := newEnv(t, time.Hour, nil)
	e.slowAll(300 * time.Millisecond)
	obs := seedID(t, "OBS 备份导入 - 多文件")
	ctx := context.Background()
	concurrently(20, func(i int) {
		switch i % 3 {
		case 0:
			p := mustList(t, e.cache, firstPage)
			for j := range p.Tasks {
				own := p.Tasks[j] // a copy, completed as handlers do
				own.NetworkType = "filled in by a handler"
			}
		case 1:
			task, err := e.cache.Show(ctx, obs)
			if err != nil || task.Backup == nil || len(task.Backup.Files) == 0 {
				t.Errorf("Show(%s): %v, backup %+v; want OBS files", obs, err, task.Backup)
				return
			}
			task.Backup.Bucket = "changed"
			task.Backup.Files[0].Name = "changed"
		case 2:
			logs, err := e.cache.Logs(ctx, obs, dcs.LogOptions{Limit: 50})
			if err != nil || len(logs.Entries) == 0 {
				t.Errorf("Logs(%s): %v, %d entries", obs, err, len(logs.Entries))
				return
			}
			for j := range logs.Entries {
				logs.Entries[j].Message = "changed"
				if len(logs.Entries[j].Keywords) > 0 {
					logs.Entries[j].Keywords[0] = "changed"
				}
			}
		}
	})
	e.slowAll(0)
	cached := mustList(t, e.cache, firstPage)
	e.wantCalls(t, dcssim.OpList, 1)
	if want := mustList(t, e.client, firstPage); !reflect.DeepEqual(cached, want) {
		t.Errorf("the cached page was modified by a caller:\n got %+v\nwant %+v", cached, want)
	}
}

// TestClonesAreDeep fills every field of every answer type, so that a
// reference-typed field added to the dcs types later, and not copied by the
// cache, makes this test fail rather than quietly share memory.
func TestClonesAreDeep(t *testing.T) {
	up := &fullUpstream{}
	for _, v := range []any{&up.page, &up.task, &up.stats, &up.logs} {
		fill(reflect.ValueOf(v).Elem())
	}
	c := taskcache.New(up, taskcache.Config{ListTTL: time.Hour})
	ctx := context.Background()
	answers := map[string]func() any{
		"List":  func() any { p, _ := c.List(ctx, firstPage); return p },
		"Show":  func() any { p, _ := c.Show(ctx, "x"); return p },
		"Stats": func() any { p, _ := c.Stats(ctx, "x"); return p },
		"Logs":  func() any { p, _ := c.Logs(ctx, "x", dcs.LogOptions{}); return p },
	}
	sources := map[string]any{"List": up.page, "Show": up.task, "Stats": up.stats, "Logs": up.logs}
	for name, get := range answers {
		a, b := get(), get() // List: a from the call, b from the cache
		if !reflect.DeepEqual(a, sources[name]) || !reflect.DeepEqual(b, sources[name]) {
			t.Errorf("%s: the copies differ from the answer", name)
		}
		if name == "List" {
			// List pages are shared, by contract read only (dcs.TaskService):
			// a copy per viewer would be most of the memory under load.
			if a.(dcs.TaskPage).Tasks[0].ID != b.(dcs.TaskPage).Tasks[0].ID || &a.(dcs.TaskPage).Tasks[0] != &b.(dcs.TaskPage).Tasks[0] {
				t.Error("List: the cached page is copied for each caller, want it shared")
			}
			continue
		}
		noShare(t, name+"(1st vs 2nd)", reflect.ValueOf(a), reflect.ValueOf(b))
		noShare(t, name+"(1st vs upstream)", reflect.ValueOf(a), reflect.ValueOf(sources[name]))
	}
}

// fullUpstream answers every read with the same fully populated value.
type fullUpstream struct {
	dcs.TaskService // nil: stops are not called
	page            dcs.TaskPage
	task            dcs.Task
	stats           dcs.Stats
	logs            dcs.LogPage
}

func (f *fullUpstream) List(context.Context, dcs.ListOptions) (dcs.TaskPage, error) {
	return f.page, nil
}
func (f *fullUpstream) Show(context.Context, string) (dcs.Task, error)   { return f.task, nil }
func (f *fullUpstream) Stats(context.Context, string) (dcs.Stats, error) { return f.stats, nil }
func (f *fullUpstream) Logs(context.Context, string, dcs.LogOptions) (dcs.LogPage, error) {
	return f.logs, nil
}

var timeType = reflect.TypeFor[time.Time]()

// fill sets every exported field: two elements in every slice, a value
// behind every pointer, one entry in every map.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == timeType {
			v.Set(reflect.ValueOf(time.Unix(1700000000, 0).UTC()))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i))
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k)
		fill(e)
		v.SetMapIndex(k, e)
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1)
	}
}

// noShare fails if a and b have a slice, pointer or map in common.
func noShare(t *testing.T, path string, a, b reflect.Value) {
	t.Helper()
	switch a.Kind() {
	case reflect.Interface:
		noShare(t, path, a.Elem(), b.Elem())
	case reflect.Struct:
		if a.Type() == timeType {
			return // its *Location is shared by design and never written
		}
		for i := range a.NumField() {
			if f := a.Type().Field(i); f.IsExported() {
				noShare(t, path+"."+f.Name, a.Field(i), b.Field(i))
			}
		}
	case reflect.Slice:
		if a.Len() > 0 && b.Len() > 0 && a.Pointer() == b.Pointer() {
			t.Errorf("%s: the slice's backing array is shared", path)
		}
		for i := range min(a.Len(), b.Len()) {
			noShare(t, path+"["+strconv.Itoa(i)+"]", a.Index(i), b.Index(i))
		}
	case reflect.Pointer, reflect.Map:
		if !a.IsNil() && a.Pointer() == b.Pointer() {
			t.Errorf("%s: the %s is shared", path, a.Kind())
		}
		if a.Kind() == reflect.Pointer && !a.IsNil() && !b.IsNil() {
			noShare(t, path, a.Elem(), b.Elem())
		}
	}
}
