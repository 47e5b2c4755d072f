#include "daemon/metrics.hpp"

#include "auth/authenticator.hpp"
#include "store/queue_store.hpp"
#include "store/queue_writer.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <sstream>

namespace ocs::daemon {
namespace {

// Request and commit durations, in microseconds: 100 µs to 10 s.
const std::vector<std::uint64_t> kDurationBoundsUs = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};
// Events, or requests, sharing one commit.
const std::vector<std::uint64_t> kBatchBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 65536};

constexpr double kMicrosPerSecond = 1e6;

const std::vector<std::string_view> kOperations = {"GetToken", "Login", "Logout", "NewMail",
                                                   "Notify",   "Ping",  "http",   "unknown"};
constexpr std::size_t kHttpSlot = 6;
// The operations that report events.
const std::vector<std::string_view> kEventOperations = {"NewMail", "Notify"};
constexpr std::size_t kUnknownSlot = 7;

// The shortest decimal that reads back as the same double, never in
// exponent form ("0.0001", "2.5", "1700000000.37").
std::string number(double value)
{
    std::array<char, 64> text{};
    const auto [end, failure] = std::to_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
    return failure == std::errc() ? std::string(text.data(), end) : std::string("NaN");
}

class Exposition {
  public:
    void family(std::string_view name, std::string_view type, std::string_view help)
    {
        text_ += "# HELP " + std::string(name) + " " + std::string(help) + "\n";
        text_ += "# TYPE " + std::string(name) + " " + std::string(type) + "\n";
    }

    void sample(std::string_view name, std::string_view labels, const std::string& value)
    {
        text_ += name;
        if (!labels.empty())
            text_ += "{" + std::string(labels) + "}";
        text_ += " " + value + "\n";
    }

    void sample(std::string_view name, std::string_view labels, std::uint64_t value)
    {
        sample(name, labels, std::to_string(value));
    }

    // `labels` are the series' own, without le; `unit` divides the bounds
    // and the sum (1e6 turns microseconds into seconds).
    void histogram(std::string_view name, const std::string& labels, const Histogram::Snapshot& snapshot, double unit)
    {
        const std::string prefix = labels.empty() ? "" : labels + ",";
        const std::string bucket = std::string(name) + "_bucket";
        for (std::size_t i = 0; i < snapshot.bounds.size(); ++i)
            sample(bucket, prefix + "le=\"" + number(static_cast<double>(snapshot.bounds[i]) / unit) + "\"",
                   snapshot.cumulative[i]);
        sample(bucket, prefix + "le=\"+Inf\"", snapshot.count());
        sample(std::string(name) + "_sum", labels, number(static_cast<double>(snapshot.sum) / unit));
        sample(std::string(name) + "_count", labels, snapshot.count());
    }

    const std::string& text() const { return text_; }

  private:
    std::string text_;
};

std::string readProcFile(const char* path)
{
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::optional<std::uint64_t> residentBytes()
{
    std::istringstream statm(readProcFile("/proc/self/statm"));
    std::uint64_t size = 0, resident = 0;
    if (!(statm >> size >> resident))
        return std::nullopt;
    return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

// Boot time plus the process's start in clock ticks after boot (field 22 of
// /proc/self/stat, counted after the parenthesised command name).
std::optional<double> processStartTime()
{
    const std::string stat = readProcFile("/proc/self/stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos)
        return std::nullopt;
    std::istringstream fields(stat.substr(close + 1));
    std::string field;
    for (int index = 3; index <= 22 && fields >> field; ++index) {
    }
    std::uint64_t ticks = 0;
    if (std::from_chars(field.data(), field.data() + field.size(), ticks).ec != std::errc())
        return std::nullopt;
    std::istringstream lines(readProcFile("/proc/stat"));
    std::string line;
    while (std::getline(lines, line)) {
        std::uint64_t boot = 0;
        if (line.rfind("btime ", 0) == 0 && std::istringstream(line.substr(6)) >> boot)
            return static_cast<double>(boot) + static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
    return std::nullopt;
}

std::string operationLabel(std::size_t slot)
{
    return "operation=\"" + std::string(kOperations[slot]) + "\"";
}

// `first`, then the error table's names: the results a counter is kept for.
std::vector<std::string_view> withErrorNames(std::initializer_list<std::string_view> first)
{
    std::vector<std::string_view> names(first);
    for (const ErrorRow& row : errorTable())
        names.push_back(row.name);
    return names;
}

// The place of the code's name in a list made by withErrorNames.
std::size_t errorResult(const std::vector<std::string_view>& results, ErrorCode code)
{
    const auto& table = errorTable();
    const std::size_t first = results.size() - table.size();
    for (std::size_t i = 0; i < table.size(); ++i) {
        if (table[i].id == code)
            return first + i;
    }
    return first; // every code has a row (error_table_test)
}

// One sample per (operation, result) counted at least once; counts are
// operation × result.
void sampleCounts(Exposition& out, const char* family, const std::vector<std::string_view>& operations,
                  const std::vector<std::string_view>& results, const std::atomic<std::uint64_t>* counts)
{
    for (std::size_t op = 0; op < operations.size(); ++op) {
        for (std::size_t result = 0; result < results.size(); ++result) {
            if (const std::uint64_t count = counts[op * results.size() + result].load())
                out.sample(family,
                           "operation=\"" + std::string(operations[op]) + "\",result=\"" + std::string(results[result]) +
                               "\"",
                           count);
        }
    }
}

} // namespace

Histogram::Histogram(std::vector<std::uint64_t> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]())
{
}

void Histogram::observe(std::uint64_t value)
{
    const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
    buckets_[static_cast<std::size_t>(bucket)].fetch_add(1);
    sum_.fetch_add(value);
}

Histogram::Snapshot Histogram::snapshot() const
{
    Snapshot snapshot{bounds_, {}, sum_.load()};
    std::uint64_t total = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        total += buckets_[i].load();
        snapshot.cumulative.push_back(total);
    }
    return snapshot;
}

Metrics::Metrics(GaugeSources sources)
    : sources_(std::move(sources)), results_(withErrorNames({"ok"})),
      eventResults_(withErrorNames({"queued", "duplicate"})), commitDuration_(kDurationBoundsUs),
      commitEvents_(kBatchBounds), commitRequests_(kBatchBounds), startTime_(processStartTime())
{
    requests_.reset(new std::atomic<std::uint64_t>[kOperations.size() * results_.size()]());
    events_.reset(new std::atomic<std::uint64_t>[kEventOperations.size() * eventResults_.size()]());
    for (std::size_t i = 0; i < kOperations.size(); ++i)
        requestDurations_.push_back(std::make_unique<Histogram>(kDurationBoundsUs));
}

const std::vector<std::string_view>& Metrics::operationLabels()
{
    return kOperations;
}

std::size_t Metrics::operationSlot(std::string_view operation) const
{
    for (std::string_view method : {"GET ", "HEAD ", "HTTP "}) {
        if (operation.substr(0, method.size()) == method)
            return kHttpSlot;
    }
    const auto found = std::find(kOperations.begin(), kOperations.begin() + kHttpSlot, operation);
    return found == kOperations.begin() + kHttpSlot ? kUnknownSlot
                                                    : static_cast<std::size_t>(found - kOperations.begin());
}

std::atomic<std::uint64_t>& Metrics::requests(std::size_t operation, std::size_t result) const
{
    return requests_[operation * results_.size() + result];
}

void Metrics::recordRequest(std::string_view operation, const std::optional<Error>& error,
                            std::chrono::microseconds elapsed)
{
    // The duration last: a scrape that sees a request in the histogram's
    // count sees its other series too.
    if (error && error->code == ErrorCode::TooManyAttempts)
        throttled_.fetch_add(1);
    const std::size_t slot = operationSlot(operation);
    requests(slot, error ? errorResult(results_, error->code) : 0).fetch_add(1);
    requestDurations_[slot]->observe(static_cast<std::uint64_t>(std::max<std::int64_t>(0, elapsed.count())));
}

void Metrics::recordEvents(std::string_view operation, std::uint64_t queued, std::uint64_t duplicates,
                           const std::vector<ErrorCode>& refused)
{
    const auto found = std::find(kEventOperations.begin(), kEventOperations.end(), operation);
    if (found == kEventOperations.end())
        return;
    std::atomic<std::uint64_t>* row =
        &events_[static_cast<std::size_t>(found - kEventOperations.begin()) * eventResults_.size()];
    if (queued)
        row[0].fetch_add(queued);
    if (duplicates)
        row[1].fetch_add(duplicates);
    for (ErrorCode code : refused)
        row[errorResult(eventResults_, code)].fetch_add(1);
}

void Metrics::tallyCommitEvents(std::size_t events)
{
    pendingEvents_.fetch_add(events);
}

// The writer runs a commit's jobs, which tally their events, then calls
// this on the same thread: the pending tally is exactly this commit's.
void Metrics::recordCommit(std::chrono::steady_clock::duration elapsed, std::size_t jobs)
{
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    commitDuration_.observe(static_cast<std::uint64_t>(std::max<std::int64_t>(0, micros)));
    commitEvents_.observe(pendingEvents_.exchange(0));
    commitRequests_.observe(jobs);
}

void Metrics::connectionOpened()
{
    connections_.fetch_add(1);
}

void Metrics::connectionClosed()
{
    connections_.fetch_sub(1);
}

std::string Metrics::render() const
{
    Exposition out;
    out.family("ocsmanager_requests_total", "counter",
               "Requests answered, by operation and result (ok or the error table's name).");
    sampleCounts(out, "ocsmanager_requests_total", kOperations, results_, requests_.get());
    out.family("ocsmanager_events_total", "counter",
               "Events reported by NewMail and Notify, by what became of each: queued, duplicate, or the "
               "error table's name.");
    sampleCounts(out, "ocsmanager_events_total", kEventOperations, eventResults_, events_.get());
    out.family("ocsmanager_request_duration_seconds", "histogram",
               "Time from a request's first byte read to its answer sent, by operation.");
    for (std::size_t op = 0; op < kOperations.size(); ++op) {
        const Histogram::Snapshot snapshot = requestDurations_[op]->snapshot();
        if (snapshot.count() > 0)
            out.histogram("ocsmanager_request_duration_seconds", operationLabel(op), snapshot, kMicrosPerSecond);
    }
    out.family("ocsmanager_commit_duration_seconds", "histogram",
               "Time of one group commit of the queue store: its jobs and the durable transaction.");
    out.histogram("ocsmanager_commit_duration_seconds", "", commitDuration_.snapshot(), kMicrosPerSecond);
    out.family("ocsmanager_commit_batch_events", "histogram", "Events written by one group commit.");
    out.histogram("ocsmanager_commit_batch_events", "", commitEvents_.snapshot(), 1);
    out.family("ocsmanager_commit_batch_requests", "histogram",
               "Requests (NewMail or Notify calls) sharing one group commit and its fsync.");
    out.histogram("ocsmanager_commit_batch_requests", "", commitRequests_.snapshot(), 1);
    out.family("ocsmanager_login_throttled_total", "counter",
               "GetToken and Login calls refused because the account or the address is throttled.");
    out.sample("ocsmanager_login_throttled_total", "", throttled_.load());
    out.family("ocsmanager_connections_open", "gauge", "Client connections open, idle keep-alive ones included.");
    out.sample("ocsmanager_connections_open", "", std::to_string(std::max<std::int64_t>(0, connections_.load())));
    if (sources_.sessions) {
        out.family("ocsmanager_sessions", "gauge", "Live producer sessions.");
        out.sample("ocsmanager_sessions", "", sources_.sessions());
    }
    if (const auto depth = sources_.queues ? sources_.queues() : std::nullopt) {
        out.family("ocsmanager_queues", "gauge", "Queues in the queue store.");
        out.sample("ocsmanager_queues", "", depth->queues);
        out.family("ocsmanager_queue_entries", "gauge", "Entries retained across all queues.");
        out.sample("ocsmanager_queue_entries", "", depth->entries);
    }
    if (sources_.journalBacklog) {
        out.family("ocsmanager_journal_backlog_events", "gauge",
                   "Events answered and journaled, not yet applied to store.tdb.");
        out.sample("ocsmanager_journal_backlog_events", "", sources_.journalBacklog());
    }
    if (const auto resident = residentBytes()) {
        out.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
        out.sample("process_resident_memory_bytes", "", *resident);
    }
    if (const auto descriptors = openDescriptors()) {
        out.family("process_open_fds", "gauge", "Number of open file descriptors.");
        out.sample("process_open_fds", "", *descriptors);
    }
    if (startTime_) {
        out.family("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds.");
        out.sample("process_start_time_seconds", "", number(*startTime_));
    }
    return out.text();
}

std::optional<std::uint64_t> openDescriptors()
{
    DIR* directory = opendir("/proc/self/fd");
    if (!directory)
        return std::nullopt;
    std::uint64_t count = 0;
    while (const dirent* entry = readdir(directory)) {
        if (entry->d_name[0] != '.')
            ++count;
    }
    closedir(directory);
    return count > 0 ? count - 1 : 0;
}

GaugeSources serviceGauges(const auth::Authenticator& authenticator, const store::QueueStore& queues,
                           const store::QueueWriter* journal)
{
    GaugeSources sources{[&authenticator] { return authenticator.liveSessions(); },
                         [&queues]() -> std::optional<QueueDepth> {
                             const auto totals = queues.totals();
                             if (!totals)
                                 return std::nullopt;
                             return QueueDepth{totals->queues, totals->entries};
                         },
                         {}};
    if (journal)
        sources.journalBacklog = [journal] { return journal->backlog(); };
    return sources;
}

} // namespace ocs::daemon
