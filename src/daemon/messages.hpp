// Stable log message ids. Each id keeps its meaning forever; new messages get
// new ids. doc/architecture.md lists them for operators.
#pragma once

namespace ocs::msg {

inline constexpr const char* Started = "I-1000";         // listening; address, TLS, workers
inline constexpr const char* Request = "I-1001";         // one line per request
inline constexpr const char* Stopping = "I-1002";        // SIGTERM/SIGINT received
inline constexpr const char* Stopped = "I-1003";         // clean exit
inline constexpr const char* Reloaded = "I-1004";        // SIGHUP: accounts reloaded, logs reopened
inline constexpr const char* ConnectionLimit = "W-2001"; // connection refused at max_connections
inline constexpr const char* TlsHandshake = "W-2002";    // a TLS handshake failed
inline constexpr const char* ApplyFailed = "W-2003";     // store.tdb did not take journaled batches (retried)
inline constexpr const char* OutOfDescriptors = "W-2004"; // accept failed: no file descriptor left
inline constexpr const char* CommitFailed = "W-2005";     // a commit failed: its requests got StoreUnavailable
inline constexpr const char* StartFailed = "E-3001";     // the daemon cannot start
inline constexpr const char* InternalError = "E-3002";   // a request failed inside the service

} // namespace ocs::msg
