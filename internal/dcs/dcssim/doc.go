// Package dcssim is an in-memory simulator of the Huawei Cloud DCS
// data-migration-task API, faithful enough to test the dashboard's client
// and to demo the dashboard without a cloud account.
//
// # API
//
// A *Simulator is an http.Handler serving, exactly as the SDK's
// services/dcs/v2/dcs_meta.go declares them:
//
//	GET  /v2/{project_id}/migration-tasks?offset=&limit=&name=      ListMigrationTask
//	GET  /v2/{project_id}/migration-task/{task_id}                   ShowMigrationTask
//	GET  /v2/{project_id}/migration-task/{task_id}/stats             ShowMigrationTaskStats
//	GET  /v2/{project_id}/migration-task/{task_id}/logs?offset=&limit=&log_level=
//	                                                                 ListMigrationTaskLogs
//	POST /v2/{project_id}/migration-task/{task_id}/stop              StopMigrationTask
//	POST /v2/{project_id}/migration-task/batch-stop                  BatchStopMigrationTasks
//
// offset counts items (offset 3 starts at the fourth), limit is 1-1000 and
// defaults to 10, as the DCS reference documents; other values answer 400
// DCS.4000. Lists are newest first; name filters by case-insensitive
// substring. A batch stop takes 1 to 50 ids.
//
// Every answer carries X-Request-Id and Content-Type: application/json
// (injected HTML faults excepted). Errors have the DCS body
// {"error_code":"DCS.xxxx","error_msg":"...","error_ext_msg":null}:
//
//	401 DCS.1001 missing or malformed Authorization    401 DCS.1002 unknown access key
//	401 DCS.1003 signature mismatch                    401 DCS.1004 X-Sdk-Date missing or >15 min off
//	404 DCS.4001 wrong project id in the path          404 APIGW.0101 unknown path or method
//	400 DCS.4070 malformed task id (not a UUID)        404 DCS.4133 unknown task
//	400 DCS.4957 stop in a state that does not allow it
//	400 DCS.4961 stats of a backup-file import         400 DCS.4000 bad query or body
//	500 DCS.5000 injected error
//
// # Authentication
//
// Requests must be signed with SDK-HMAC-SHA256 exactly as the official SDK's
// core/auth/signer does it; the simulator rebuilds the canonical request
// (method, URI with trailing slash, sorted query, signed headers, body hash)
// and compares signatures. The project id is checked after the signature.
//
// # State
//
// Nothing runs in the background. On each request the store advances to
// Config.Now(): full migrations progress and end in SUCCESS after a few
// minutes (incremental ones move on to INCRMIGRATING and stay there until
// stopped), RUNNING waits, and a stopped task reads TERMINATING until
// Config.StopDelay has passed, then TERMINATED.
//
// # Faults
//
// Faults are injected after authentication and count as calls. The command
// line syntax, read by ParseFaults and written by Faults.String, is:
//
//	latency=DURATION                        added to every call
//	error-rate=FRACTION                     0..1 of calls answer 500 DCS.5000
//	task:ID=status:HTTP[:CODE[:MESSAGE]]    calls naming ID answer HTTP with a DCS body
//	task:ID=delay:DURATION                  calls naming ID are delayed
//	task:ID=html[:HTTP]                     calls naming ID answer an HTML page (502)
//	task:ID=malformed                       calls naming ID answer 200 with truncated JSON
//	task:ID=omit                            a batch stop leaves ID out of its answer
//
// Items are separated by commas; a task item may end in @OP or @OP+OP to
// limit it to those operations (ListMigrationTask only when named). In
// MESSAGE write %2C for a comma, %40 for @ and %25 for %. A status or HTML
// fault answers before the call takes effect; a malformed answer comes after
// it (a stop is accepted). In a batch stop a status fault fails that task's
// result only, and an omit fault stops the task but leaves its result out.
//
// # Control surface
//
// Under /_sim/, without signature, for loopback and tests only:
// GET /_sim/faults (spec text), PUT /_sim/faults (body: spec),
// GET /_sim/calls (JSON counts), POST /_sim/reset-calls.
package dcssim
