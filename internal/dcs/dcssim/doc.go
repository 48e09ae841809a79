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
// # Projects
//
// One simulator serves one or more projects: Config.ProjectID (the default,
// filled from Config.Tasks or Seed) and Config.Projects (each filled from
// its Tasks or SeedFor). Each project has its own tasks: a list, a show or a
// stop on one project's path sees that project's tasks only, and another
// project's task id answers 404 DCS.4133 there. Task ids are unique across
// projects, so the methods taking a task id alone (Task, SetStatus, Put)
// find it wherever it is; PutIn and IDsWithStatusIn name the project.
// Calls counts every project's calls, CallsIn one project's.
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
//	404 DCS.4001 project id in the path not served     404 APIGW.0101 unknown path or method
//	401 APIGW.0301 X-Project-Id names another project than the path
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
// and compares signatures. The project id is checked after the signature:
// first that the path's project is served (404 DCS.4001), then that an
// X-Project-Id header, which the SDK's BasicCredentials send and sign with
// the id they fill into the path, names the same project (401 APIGW.0301,
// the gateway's code for credentials that do not fit the request). A call
// without X-Project-Id is not checked. One AK/SK pair is accepted for every
// project, as one account's keys reach all its projects.
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
// Faults are injected after authentication and the project checks, and
// count as calls. A call meets latency, then its project's fault, then the
// error rate, then its tasks' faults. The command line syntax, read by
// ParseFaults and written by Faults.String, is:
//
//	latency=DURATION                        added to every call
//	error-rate=FRACTION                     0..1 of calls answer 500 DCS.5000
//	task:ID=status:HTTP[:CODE[:MESSAGE]]    calls naming ID answer HTTP with a DCS body
//	task:ID=delay:DURATION                  calls naming ID are delayed
//	task:ID=html[:HTTP]                     calls naming ID answer an HTML page (502)
//	task:ID=malformed                       calls naming ID answer 200 with truncated JSON
//	task:ID=omit                            a batch stop leaves ID out of its answer
//	project:ID=status:HTTP[:CODE[:MESSAGE]] every call on project ID's path answers HTTP
//	project:ID=delay:DURATION               every call on project ID's path is delayed
//	project:ID=html[:HTTP]                  every call on project ID's path answers HTML (502)
//
// Items are separated by commas; a task or project item may end in @OP or
// @OP+OP to limit it to those operations (for a task item,
// ListMigrationTask only when named; a project item without @ applies to
// every call, lists included). A project fault fails one project alone,
// as a region's outage would; a batch stop on its path fails as a whole. In
// MESSAGE write %2C for a comma, %40 for @ and %25 for %. A status or HTML
// fault answers before the call takes effect; a malformed answer comes after
// it (a stop is accepted). In a batch stop a status fault fails that task's
// result only, and an omit fault stops the task but leaves its result out.
//
// # Control surface
//
// Under /_sim/, without signature, for loopback and tests only:
// GET /_sim/faults (spec text), PUT /_sim/faults (body: spec),
// GET /_sim/calls (JSON counts; ?project=ID for one project's),
// GET /_sim/projects (JSON ids), POST /_sim/reset-calls,
// POST /_sim/tasks/{id}/status (body: the new status, then optionally the
// error message on the next line or in ?error=; see SetStatusWithError).
package dcssim
