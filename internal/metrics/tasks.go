package metrics

// TaskFigures is what the watcher last read of one task in progress, for
// the per-task gauges. A figure the API did not give is NaN.
type TaskFigures struct {
	Target, TaskID, TaskName string
	Status                   string // the raw API status
	FullProgress             float64
	Lag                      float64
	SourceKeys, TargetKeys   float64
	Ops                      float64
}
