// The user agent of the controller's validation requests. After the switch, propagate's
// post-switch validation lands in production's access log like any visitor; monitor counts that log
// from the switch, so those (mostly 2xx) requests would dilute a real 5xx share. The agent sets
// them apart along with the watch's own probes.
export const VALIDATE_USER_AGENT = 'Mozilla/5.0 (compatible; switchyard-validate/1)';
