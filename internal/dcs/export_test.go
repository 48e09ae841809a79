package dcs

// Hooks for the external test package (package dcs_test), which the
// simulator tests need: dcssim imports dcs, so they cannot live in dcs.

// IsolateEnv clears HUAWEICLOUD_SDK_* and points the SDK's files nowhere.
var IsolateEnv = isolateEnv
