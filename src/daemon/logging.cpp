// Boost.Log sink setup, kept in this one file: it is the expensive one to
// compile.
#include "daemon/log.hpp"

#include <boost/core/null_deleter.hpp>
#include <boost/log/attributes/clock.hpp>
#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/syslog_backend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/sources/severity_logger.hpp>
#include <boost/log/support/date_time.hpp>
#include <boost/shared_ptr.hpp>
#include <boost/make_shared.hpp>

#include <array>
#include <atomic>
#include <fstream>
#include <iostream>
#include <mutex>

namespace logging = boost::log;
namespace sinks = boost::log::sinks;
namespace expr = boost::log::expressions;

namespace ocs::log {
namespace {

constexpr std::array<std::string_view, 5> kSeverityNames = {"trace", "debug", "info", "warning", "error"};

using TextSink = sinks::synchronous_sink<sinks::text_ostream_backend>;
using SyslogSink = sinks::synchronous_sink<sinks::syslog_backend>;

} // namespace

std::ostream& operator<<(std::ostream& out, Severity severity)
{
    return out << kSeverityNames[static_cast<std::size_t>(severity)];
}

namespace {

BOOST_LOG_ATTRIBUTE_KEYWORD(severityAttr, "Severity", Severity)

// The sinks this process added, so SIGHUP can reopen the file and stop()
// can remove exactly them.
struct Sinks {
    std::mutex mutex;
    boost::shared_ptr<TextSink> console;
    boost::shared_ptr<TextSink> file;
    boost::shared_ptr<SyslogSink> syslog;
    boost::shared_ptr<std::ostream> fileStream;
    std::string filePath;
};

std::atomic<bool>& started()
{
    static std::atomic<bool> flag{false};
    return flag;
}

Sinks& sinks()
{
    static Sinks instance;
    return instance;
}

// The request the current thread serves (RequestScope); empty outside one.
thread_local std::string_view currentRequest;

logging::sources::severity_logger_mt<Severity>& logger()
{
    static logging::sources::severity_logger_mt<Severity> instance;
    return instance;
}

auto lineFormat()
{
    return expr::stream << expr::format_date_time<boost::posix_time::ptime>("TimeStamp", "%Y-%m-%dT%H:%M:%S.%fZ")
                        << ' ' << severityAttr << ' ' << expr::smessage;
}

boost::shared_ptr<std::ostream> openFile(const std::string& path)
{
    auto stream = boost::make_shared<std::ofstream>(path, std::ios::app);
    if (!*stream)
        return nullptr;
    return stream;
}

boost::shared_ptr<TextSink> makeTextSink(boost::shared_ptr<std::ostream> stream)
{
    auto backend = boost::make_shared<sinks::text_ostream_backend>();
    backend->add_stream(std::move(stream));
    backend->auto_flush(true);
    auto sink = boost::make_shared<TextSink>(backend);
    sink->set_formatter(lineFormat());
    return sink;
}

sinks::syslog::level syslogLevel(Severity severity)
{
    switch (severity) {
    case Severity::Trace:
    case Severity::Debug:
        return sinks::syslog::debug;
    case Severity::Info:
        return sinks::syslog::info;
    case Severity::Warning:
        return sinks::syslog::warning;
    case Severity::Error:
        break;
    }
    return sinks::syslog::error;
}

boost::shared_ptr<SyslogSink> makeSyslogSink()
{
    auto backend = boost::make_shared<sinks::syslog_backend>(logging::keywords::facility = sinks::syslog::daemon,
                                                            logging::keywords::use_impl = sinks::syslog::native,
                                                            logging::keywords::ident = "ocsmanagerd");
    sinks::syslog::custom_severity_mapping<Severity> mapping("Severity");
    for (Severity s : {Severity::Trace, Severity::Debug, Severity::Info, Severity::Warning, Severity::Error})
        mapping[s] = syslogLevel(s);
    backend->set_severity_mapper(mapping);
    auto sink = boost::make_shared<SyslogSink>(backend);
    sink->set_formatter(expr::stream << expr::smessage);
    return sink;
}

} // namespace

Result<Severity> parseSeverity(std::string_view name)
{
    for (std::size_t i = 0; i < kSeverityNames.size(); ++i) {
        if (kSeverityNames[i] == name)
            return static_cast<Severity>(i);
    }
    return makeError(ErrorCode::InvalidParameter, "log.level", "unknown log level: " + std::string(name));
}

Status start(const LogConfig& config)
{
    auto level = parseSeverity(config.level);
    if (!level)
        return level.error();

    auto core = logging::core::get();
    core->add_global_attribute("TimeStamp", logging::attributes::utc_clock());
    core->set_filter(severityAttr >= *level);

    Sinks& s = sinks();
    std::lock_guard lock(s.mutex);
    if (config.console) {
        s.console = makeTextSink(boost::shared_ptr<std::ostream>(&std::clog, boost::null_deleter()));
        core->add_sink(s.console);
    }
    if (!config.file.empty()) {
        auto stream = openFile(config.file);
        if (!stream)
            return makeError(ErrorCode::InvalidParameter, "log.file", "cannot open log file " + config.file);
        s.filePath = config.file;
        s.fileStream = stream;
        s.file = makeTextSink(std::move(stream));
        core->add_sink(s.file);
    }
    if (config.syslog) {
        s.syslog = makeSyslogSink();
        core->add_sink(s.syslog);
    }
    started() = s.console || s.file || s.syslog;
    return {};
}

void reopen()
{
    Sinks& s = sinks();
    std::lock_guard lock(s.mutex);
    if (!s.file)
        return;
    auto stream = openFile(s.filePath);
    if (!stream)
        return; // keep writing to the old stream rather than to nothing
    auto backend = s.file->locked_backend();
    backend->remove_stream(s.fileStream);
    backend->add_stream(stream);
    s.fileStream = std::move(stream);
}

void stop()
{
    started() = false;
    auto core = logging::core::get();
    core->flush();
    Sinks& s = sinks();
    std::lock_guard lock(s.mutex);
    for (auto sink : {boost::shared_ptr<sinks::sink>(s.console), boost::shared_ptr<sinks::sink>(s.file),
                      boost::shared_ptr<sinks::sink>(s.syslog)}) {
        if (sink)
            core->remove_sink(sink);
    }
    s.console.reset();
    s.file.reset();
    s.syslog.reset();
    s.fileStream.reset();
}

void write(Severity severity, std::string_view id, std::string_view text)
{
    // Without a sink Boost.Log would print to std::clog: nothing configured
    // means nothing written.
    if (!started())
        return;
    auto& source = logger();
    logging::record record = source.open_record(logging::keywords::severity = severity);
    if (!record)
        return;
    logging::record_ostream stream(record);
    stream << id << ' ' << text;
    if (!currentRequest.empty())
        stream << " req=" << currentRequest;
    stream.flush();
    source.push_record(std::move(record));
}

RequestScope::RequestScope(std::string_view requestId)
{
    currentRequest = requestId;
}

RequestScope::~RequestScope()
{
    currentRequest = {};
}

} // namespace ocs::log
