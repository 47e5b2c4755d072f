// The daemon's log: one line per record, "<time> <severity> <id> <text>",
// where <id> is a stable message id (messages.hpp) operators can search for.
// Sinks (console, file, syslog) are set up by logging.cpp through Boost.Log.
#pragma once

#include "common/result.hpp"
#include "config/config.hpp"

#include <string>
#include <string_view>

namespace ocs::log {

enum class Severity { Trace, Debug, Info, Warning, Error };

Result<Severity> parseSeverity(std::string_view name);

// Adds the configured sinks. Without it nothing is written (tests).
Status start(const LogConfig& config);
// SIGHUP: closes and reopens the log file so rotation can move it away.
void reopen();
// Flushes and removes every sink.
void stop();

// Makes client-supplied text safe for one log line: at most 128 bytes, with
// spaces, quotes, backslashes and control bytes written as \xNN.
std::string field(std::string_view text);

void write(Severity severity, std::string_view id, std::string_view text);

// While one lives, every line its thread writes ends with " req=<id>", so
// whatever is logged on behalf of a request carries the id its client got
// in X-Request-Id. The id must outlive the scope; scopes do not nest.
class RequestScope {
public:
    explicit RequestScope(std::string_view requestId);
    ~RequestScope();
    RequestScope(const RequestScope&) = delete;
    RequestScope& operator=(const RequestScope&) = delete;
};

inline void info(std::string_view id, std::string_view text) { write(Severity::Info, id, text); }
inline void warning(std::string_view id, std::string_view text) { write(Severity::Warning, id, text); }
inline void error(std::string_view id, std::string_view text) { write(Severity::Error, id, text); }

} // namespace ocs::log
