// GET /metrics against the running daemon: the text is read by a strict
// parser of the Prometheus text format 0.0.4, and the series move by exactly
// what the test did (pings, a failed and a throttled login, a NewMail).
#include "producer/producer_client.hpp"
#include "store/registry.hpp"
#include "support/daemon.hpp"
#include "support/raw_http.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <csignal>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <thread>

using ocs::producer::ProducerClient;
using ocs::test::RawConnection;

namespace {

const std::string kPassword = "metrics test password";
constexpr ocs::store::Fid kInbox = 0x0000000000010001ULL;

using Labels = std::map<std::string, std::string>;

struct Family {
    std::string type;
    std::map<std::pair<std::string, Labels>, double> samples; // (sample name, labels) → value
};

using Exposition = std::map<std::string, Family>;

const std::regex kMetricName("[a-zA-Z_:][a-zA-Z0-9_:]*");
const std::regex kLabelName("[a-zA-Z_][a-zA-Z0-9_]*");
const std::regex kValue(R"([+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]Inf|NaN)");

double parseValue(const std::string& text)
{
    if (text == "+Inf")
        return INFINITY;
    if (text == "-Inf")
        return -INFINITY;
    return std::stod(text);
}

// `labels` after '{': label="value" pairs up to '}'. Returns the position
// after '}', or npos when malformed.
std::size_t parseLabels(const std::string& line, std::size_t at, Labels& labels)
{
    while (at < line.size()) {
        const auto equals = line.find('=', at);
        if (equals == std::string::npos)
            return std::string::npos;
        const std::string name = line.substr(at, equals - at);
        if (!std::regex_match(name, kLabelName) || name.rfind("__", 0) == 0 || labels.count(name))
            return std::string::npos;
        if (equals + 1 >= line.size() || line[equals + 1] != '"')
            return std::string::npos;
        std::string value;
        std::size_t i = equals + 2;
        for (; i < line.size() && line[i] != '"'; ++i) {
            if (line[i] == '\\') {
                if (++i >= line.size() || (line[i] != '\\' && line[i] != '"' && line[i] != 'n'))
                    return std::string::npos;
                value += line[i] == 'n' ? '\n' : line[i];
            } else {
                value += line[i];
            }
        }
        if (i >= line.size())
            return std::string::npos;
        labels[name] = value;
        at = i + 1;
        if (at < line.size() && line[at] == '}')
            return at + 1;
        if (at >= line.size() || line[at] != ',')
            return std::string::npos;
        ++at;
    }
    return std::string::npos;
}

// Which sample names a family of `type` may hold.
bool belongsTo(const std::string& sample, const std::string& family, const std::string& type)
{
    if (type != "histogram")
        return sample == family;
    return sample == family + "_bucket" || sample == family + "_sum" || sample == family + "_count";
}

// Histograms: per label set, buckets by increasing le, cumulative, ending in
// +Inf equal to _count, with a _sum. Counters: names end in _total, values
// are finite and not negative.
std::string checkFamily(const std::string& name, const Family& family)
{
    if (family.type == "counter") {
        if (name.size() < 6 || name.substr(name.size() - 6) != "_total")
            return name + ": a counter's name ends in _total";
        for (const auto& [key, value] : family.samples) {
            if (!(value >= 0) || std::isinf(value))
                return name + ": a counter is finite and not negative";
        }
        return {};
    }
    if (family.type != "histogram")
        return {};
    std::map<Labels, std::vector<std::pair<double, double>>> buckets; // in the order written
    std::map<Labels, double> counts, sums;
    for (const auto& [key, value] : family.samples) {
        Labels labels = key.second;
        if (key.first == name + "_bucket") {
            if (!labels.count("le"))
                return name + ": a bucket without le";
            const std::string le = labels["le"];
            labels.erase("le");
            if (!std::regex_match(le, kValue))
                return name + ": bad le " + le;
            buckets[labels].emplace_back(parseValue(le), value);
        } else if (key.first == name + "_count") {
            counts[labels] = value;
        } else {
            sums[labels] = value;
        }
    }
    // A labelled family may have no series yet; a series has buckets.
    for (const auto* series : {&counts, &sums}) {
        for (const auto& [labels, value] : *series) {
            if (!buckets.count(labels))
                return name + ": _count or _sum without buckets";
        }
    }
    for (auto& [labels, series] : buckets) {
        // The map sorted samples by label text; order them by le.
        std::sort(series.begin(), series.end());
        for (std::size_t i = 1; i < series.size(); ++i) {
            if (series[i].second < series[i - 1].second)
                return name + ": buckets are not cumulative";
        }
        if (!std::isinf(series.back().first))
            return name + ": no le=\"+Inf\" bucket";
        if (!counts.count(labels) || counts[labels] != series.back().second)
            return name + ": _count differs from the +Inf bucket";
        if (!sums.count(labels))
            return name + ": no _sum";
    }
    return {};
}

// Reads the exposition strictly; returns the first problem ("" if none).
std::string parseStrictly(const std::string& text, Exposition& out)
{
    if (text.empty() || text.back() != '\n')
        return "the text does not end with a newline";
    std::string current; // the family whose samples may follow
    std::string helpFor; // a # HELP waiting for its # TYPE
    std::size_t number = 0;
    std::size_t start = 0;
    for (std::size_t end = text.find('\n'); end != std::string::npos; start = end + 1, end = text.find('\n', start)) {
        const std::string line = text.substr(start, end - start);
        const std::string where = "line " + std::to_string(++number) + " \"" + line + "\": ";
        if (line.rfind("# HELP ", 0) == 0) {
            const std::string name = line.substr(7, line.find(' ', 7) - 7);
            if (!std::regex_match(name, kMetricName) || out.count(name) || line.size() <= 8 + name.size())
                return where + "bad or repeated # HELP";
            helpFor = name;
            current.clear();
            continue;
        }
        if (line.rfind("# TYPE ", 0) == 0) {
            const auto space = line.find(' ', 7);
            const std::string name = line.substr(7, space - 7);
            const std::string type = space == std::string::npos ? "" : line.substr(space + 1);
            static const std::set<std::string> types = {"counter", "gauge", "histogram", "summary", "untyped"};
            if (name != helpFor || !types.count(type))
                return where + "# TYPE without its # HELP, or an unknown type";
            out[name].type = type;
            current = name;
            helpFor.clear();
            continue;
        }
        if (current.empty())
            return where + "a line outside any declared family";
        const auto nameEnd = line.find_first_of("{ ");
        const std::string name = line.substr(0, nameEnd);
        if (!std::regex_match(name, kMetricName) || nameEnd == std::string::npos)
            return where + "bad metric name";
        if (!belongsTo(name, current, out[current].type))
            return where + "not a sample of family " + current;
        Labels labels;
        std::size_t at = nameEnd;
        if (line[at] == '{') {
            at = parseLabels(line, at + 1, labels);
            if (at == std::string::npos)
                return where + "bad labels";
        }
        if (at >= line.size() || line[at] != ' ')
            return where + "no single space before the value";
        const std::string value = line.substr(at + 1);
        if (!std::regex_match(value, kValue))
            return where + "bad value (or a timestamp)";
        if (!out[current].samples.emplace(std::make_pair(name, labels), parseValue(value)).second)
            return where + "repeated series";
    }
    if (!helpFor.empty())
        return "# HELP " + helpFor + " without # TYPE";
    for (const auto& [name, family] : out) {
        if (std::string problem = checkFamily(name, family); !problem.empty())
            return problem;
    }
    return {};
}

// A sample's value; 0 when the series is absent (a counter not moved yet).
double valueOf(const Exposition& exposition, const std::string& family, const std::string& sample,
               const Labels& labels = {})
{
    const auto found = exposition.find(family);
    if (found == exposition.end())
        return 0;
    const auto series = found->second.samples.find({sample, labels});
    return series == found->second.samples.end() ? 0 : series->second;
}

// requests_total by (operation, result).
std::map<std::pair<std::string, std::string>, double> requestCounts(const Exposition& exposition)
{
    std::map<std::pair<std::string, std::string>, double> counts;
    const auto found = exposition.find("ocsmanager_requests_total");
    if (found == exposition.end())
        return counts;
    for (const auto& [key, value] : found->second.samples)
        counts[{key.second.at("operation"), key.second.at("result")}] = value;
    return counts;
}

// Requests other than plain HTTP seen by the duration histograms.
double soapRequestsTimed(const Exposition& exposition)
{
    double total = 0;
    for (const char* operation : {"GetToken", "Login", "Logout", "NewMail", "Notify", "Ping", "unknown"})
        total += valueOf(exposition, "ocsmanager_request_duration_seconds", "ocsmanager_request_duration_seconds_count",
                         {{"operation", operation}});
    return total;
}

} // namespace

class MetricsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(MetricsTest);
    CPPUNIT_TEST(testParserRejectsMalformedExpositions);
    CPPUNIT_TEST(testEveryFamilyIsDeclaredWithItsType);
    CPPUNIT_TEST(testSeriesMoveByExactlyWhatWasDone);
    CPPUNIT_TEST(testConnectionsGaugeFollowsConnections);
    CPPUNIT_TEST(testMetricsCanBeSwitchedOff);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override
    {
        work_ = std::make_unique<ocs::test::TempDir>();
        daemon_ = std::make_unique<ocs::test::Daemon>(
            std::vector<std::string>{"--set", "auth.max_failures_per_account=1"}, work_->path());
        CPPUNIT_ASSERT_EQUAL(0, daemon_->accountTool({"add", "mta", "--backends", "SOGo"}, kPassword + "\n"));
        CPPUNIT_ASSERT_EQUAL(0, daemon_->accountTool({"add", "victim"}, kPassword + "\n"));
    }

    void tearDown() override
    {
        CPPUNIT_ASSERT_EQUAL(0, daemon_->stop(SIGTERM));
        daemon_.reset();
        work_.reset();
    }

    // The parser is what judges the daemon's output: it must refuse what the
    // format does not allow.
    void testParserRejectsMalformedExpositions()
    {
        const std::string good = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 3\n"
                                 "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
                                 "h_sum 0.5\nh_count 2\n";
        Exposition parsed;
        CPPUNIT_ASSERT_EQUAL(std::string(), parseStrictly(good, parsed));
        for (const std::string& bad : {
                 std::string("a_total 1\n"),                                                 // no HELP/TYPE
                 std::string("# HELP a_total A.\na_total 1\n"),                              // no TYPE
                 std::string("# HELP a_total A.\n# TYPE a_total counter\na_total{x=1} 1\n"), // unquoted
                 std::string("# HELP a_total A.\n# TYPE a_total counter\na_total  1\n"),     // two spaces
                 std::string("# HELP a_total A.\n# TYPE a_total counter\na_total 1 123 x\n"),
                 std::string("# HELP a_total A.\n# TYPE a_total counter\nb_total 1\n"), // other family
                 std::string("# HELP a A.\n# TYPE a counter\na 1\n"),                   // no _total
                 std::string("# HELP a_total A.\n# TYPE a_total counter\na_total 1\na_total 2\n"),
                 std::string("# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
                             "h_sum 1\nh_count 1\n"), // not cumulative
                 std::string("# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"),
                 std::string("# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n"),
                 std::string("# HELP h H.\n# TYPE h histogram\nh_sum 1\nh_count 0\n"), // no buckets
                 std::string("# HELP g G.\n# TYPE g gauge\ng 1"),                      // no final newline
             }) {
            Exposition ignored;
            CPPUNIT_ASSERT_MESSAGE("accepted:\n" + bad, !parseStrictly(bad, ignored).empty());
        }
    }

    void testEveryFamilyIsDeclaredWithItsType()
    {
        const Exposition exposition = scrape();
        const std::map<std::string, std::string> expected = {
            {"ocsmanager_requests_total", "counter"},
            {"ocsmanager_events_total", "counter"},
            {"ocsmanager_request_duration_seconds", "histogram"},
            {"ocsmanager_commit_duration_seconds", "histogram"},
            {"ocsmanager_commit_batch_events", "histogram"},
            {"ocsmanager_commit_batch_requests", "histogram"},
            {"ocsmanager_login_throttled_total", "counter"},
            {"ocsmanager_connections_open", "gauge"},
            {"ocsmanager_sessions", "gauge"},
            {"ocsmanager_queues", "gauge"},
            {"ocsmanager_queue_entries", "gauge"},
            {"ocsmanager_journal_backlog_events", "gauge"},
            {"process_resident_memory_bytes", "gauge"},
            {"process_open_fds", "gauge"},
            {"process_start_time_seconds", "gauge"},
        };
        CPPUNIT_ASSERT_EQUAL(expected.size(), exposition.size());
        for (const auto& [name, type] : expected) {
            CPPUNIT_ASSERT_MESSAGE(name, exposition.count(name));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(name, type, exposition.at(name).type);
        }
        CPPUNIT_ASSERT(valueOf(exposition, "process_resident_memory_bytes", "process_resident_memory_bytes") > 1e6);
        const double fds = valueOf(exposition, "process_open_fds", "process_open_fds");
        CPPUNIT_ASSERT(fds >= 5 && fds < 1000);
        const double started = valueOf(exposition, "process_start_time_seconds", "process_start_time_seconds");
        const double now = static_cast<double>(std::time(nullptr));
        CPPUNIT_ASSERT_MESSAGE(std::to_string(started) + " vs " + std::to_string(now),
                               started > now - 300 && started < now + 5);
    }

    void testSeriesMoveByExactlyWhatWasDone()
    {
        auto registry = ocs::store::Registry::open(daemon_->state());
        CPPUNIT_ASSERT(registry.ok());
        CPPUNIT_ASSERT((*registry)->bind("alice", "SOGo", "jdoe").ok());
        CPPUNIT_ASSERT((*registry)->mapFolder("alice", "sogo://jdoe@INBOX/", kInbox).ok());
        CPPUNIT_ASSERT(
            (*registry)
                ->subscribe("alice", {"session-1", 1, ocs::store::fnev::NewMail, 0, 0, ocs::store::TableType::None, {}})
                .ok());

        const Exposition before = scrape();
        CPPUNIT_ASSERT_EQUAL(0.0, valueOf(before, "ocsmanager_queues", "ocsmanager_queues"));
        CPPUNIT_ASSERT_EQUAL(0.0, valueOf(before, "ocsmanager_queue_entries", "ocsmanager_queue_entries"));
        CPPUNIT_ASSERT_EQUAL(0.0, valueOf(before, "ocsmanager_sessions", "ocsmanager_sessions"));
        {
            ProducerClient client(options());
            std::string version;
            for (int i = 0; i < 3; ++i)
                CPPUNIT_ASSERT(client.ping(version));
            CPPUNIT_ASSERT(!client.login("victim", "wrong password")); // GetToken ok, Login 401
            CPPUNIT_ASSERT(!client.login("victim", kPassword));        // GetToken 429
            CPPUNIT_ASSERT_EQUAL(429, client.lastError().code);
            CPPUNIT_ASSERT_MESSAGE(client.lastError().message, client.login("mta", kPassword)); // both ok
            ocs::producer::NewMailResult result;
            CPPUNIT_ASSERT(client.newMail({"SOGo", "jdoe", "INBOX", "61", {}, {}, {}, {}}, result));
            CPPUNIT_ASSERT_EQUAL(1u, result.queues);
        }
        const std::map<std::pair<std::string, std::string>, double> done = {
            {{"Ping", "ok"}, 3},
            {{"GetToken", "ok"}, 2},
            {{"GetToken", "TooManyAttempts"}, 1},
            {{"Login", "InvalidCredentials"}, 1},
            {{"Login", "ok"}, 1},
            {{"NewMail", "ok"}, 1},
        };
        double total = 0;
        for (const auto& [key, count] : done)
            total += count;
        // A worker counts a request just after answering it, and the queue
        // gauges follow store.tdb, which takes the answered entry a moment
        // later: wait for both, then expect exactly what was done.
        int scrapes = 1;
        Exposition after;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        do {
            after = scrape();
            ++scrapes;
        } while ((soapRequestsTimed(after) - soapRequestsTimed(before) < total ||
                  valueOf(after, "ocsmanager_queue_entries", "ocsmanager_queue_entries") < 1) &&
                 std::chrono::steady_clock::now() < deadline);

        const auto was = requestCounts(before);
        const auto now = requestCounts(after);
        std::set<std::pair<std::string, std::string>> keys;
        for (const auto* counts : {&was, &now})
            for (const auto& [key, count] : *counts)
                keys.insert(key);
        for (const auto& key : keys) {
            const double moved = (now.count(key) ? now.at(key) : 0) - (was.count(key) ? was.at(key) : 0);
            const std::string series = key.first + "/" + key.second;
            if (key.first == "http") {
                // The earlier scrapes (their own answers are counted after).
                CPPUNIT_ASSERT_MESSAGE(series, key.second == "ok" && moved >= 1 && moved < scrapes);
                continue;
            }
            const double expected = done.count(key) ? done.at(key) : 0;
            CPPUNIT_ASSERT_EQUAL_MESSAGE(series, expected, moved);
        }
        for (const auto& [key, count] : done)
            CPPUNIT_ASSERT_MESSAGE(key.first + "/" + key.second, keys.count(key));
        // Each operation's duration histogram counted the same requests.
        for (const char* operation : {"Ping", "GetToken", "Login", "NewMail"}) {
            double requests = 0;
            for (const auto& [key, count] : done)
                requests += key.first == operation ? count : 0;
            const Labels labels{{"operation", operation}};
            const double timed = valueOf(after, "ocsmanager_request_duration_seconds",
                                         "ocsmanager_request_duration_seconds_count", labels) -
                                 valueOf(before, "ocsmanager_request_duration_seconds",
                                         "ocsmanager_request_duration_seconds_count", labels);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(operation, requests, timed);
        }
        CPPUNIT_ASSERT_EQUAL(
            1.0, moved(before, after, "ocsmanager_login_throttled_total", "ocsmanager_login_throttled_total"));
        // One NewMail: one commit holding one request and one event.
        for (const char* family : {"ocsmanager_commit_duration_seconds", "ocsmanager_commit_batch_events",
                                   "ocsmanager_commit_batch_requests"})
            CPPUNIT_ASSERT_EQUAL_MESSAGE(family, 1.0, moved(before, after, family, std::string(family) + "_count"));
        CPPUNIT_ASSERT_EQUAL(
            1.0, moved(before, after, "ocsmanager_commit_batch_events", "ocsmanager_commit_batch_events_sum"));
        CPPUNIT_ASSERT_EQUAL(
            1.0, moved(before, after, "ocsmanager_commit_batch_requests", "ocsmanager_commit_batch_requests_sum"));
        CPPUNIT_ASSERT(
            moved(before, after, "ocsmanager_commit_duration_seconds", "ocsmanager_commit_duration_seconds_sum") > 0);
        // The entry is in one queue; mta's session is live.
        CPPUNIT_ASSERT_EQUAL(1.0, valueOf(after, "ocsmanager_queues", "ocsmanager_queues"));
        CPPUNIT_ASSERT_EQUAL(1.0, valueOf(after, "ocsmanager_queue_entries", "ocsmanager_queue_entries"));
        CPPUNIT_ASSERT_EQUAL(1.0, valueOf(after, "ocsmanager_sessions", "ocsmanager_sessions"));

        // A Notify is one request answered "ok"; what became of its events
        // is counted per event: the NewMail above queued one, this Notify
        // repeats it (a duplicate) and reports one the checks refuse.
        CPPUNIT_ASSERT_EQUAL(1.0, moved(before, after, "ocsmanager_events_total", "ocsmanager_events_total",
                                        {{"operation", "NewMail"}, {"result", "queued"}}));
        {
            ProducerClient client(options());
            CPPUNIT_ASSERT(client.login("mta", kPassword));
            ocs::producer::NotifyEvent repeated;
            repeated.backend = "SOGo";
            repeated.username = "jdoe";
            repeated.folder = "INBOX";
            repeated.messageId = "61";
            ocs::producer::NotifyEvent refused = repeated;
            refused.username = "bad\x01user";
            std::vector<ocs::producer::EventOutcome> outcomes;
            CPPUNIT_ASSERT(client.notify({repeated, refused}, outcomes));
            CPPUNIT_ASSERT_EQUAL(std::string("duplicate"), outcomes.at(0).status);
            CPPUNIT_ASSERT_EQUAL(std::string("error"), outcomes.at(1).status);
        }
        Exposition notified;
        do
            notified = scrape();
        while (valueOf(notified, "ocsmanager_requests_total", "ocsmanager_requests_total",
                       {{"operation", "Notify"}, {"result", "ok"}}) < 1 &&
               std::chrono::steady_clock::now() < deadline + std::chrono::seconds(10));
        for (const auto& [result, count] : std::map<std::string, double>{{"duplicate", 1}, {"InvalidParameter", 1}})
            CPPUNIT_ASSERT_EQUAL_MESSAGE(result, count,
                                         valueOf(notified, "ocsmanager_events_total", "ocsmanager_events_total",
                                                 {{"operation", "Notify"}, {"result", result}}));
        CPPUNIT_ASSERT_EQUAL(0.0, valueOf(notified, "ocsmanager_events_total", "ocsmanager_events_total",
                                          {{"operation", "Notify"}, {"result", "queued"}}));

        // The queue gauges are counted afresh at start: a restart on the
        // same state shows the same depth.
        CPPUNIT_ASSERT_EQUAL(0, daemon_->stop(SIGTERM));
        daemon_ = std::make_unique<ocs::test::Daemon>(std::vector<std::string>{}, work_->path());
        const Exposition restarted = scrape();
        CPPUNIT_ASSERT_EQUAL(1.0, valueOf(restarted, "ocsmanager_queues", "ocsmanager_queues"));
        CPPUNIT_ASSERT_EQUAL(1.0, valueOf(restarted, "ocsmanager_queue_entries", "ocsmanager_queue_entries"));
        CPPUNIT_ASSERT_EQUAL(0.0, valueOf(restarted, "ocsmanager_sessions", "ocsmanager_sessions"));
    }

    void testConnectionsGaugeFollowsConnections()
    {
        std::vector<std::unique_ptr<RawConnection>> open;
        for (int i = 0; i < 3; ++i) {
            open.push_back(std::make_unique<RawConnection>(daemon_->port()));
            CPPUNIT_ASSERT(open.back()->send(ocs::test::soapPost(ocs::test::envelope("<ocs:Ping/>"))));
            CPPUNIT_ASSERT_EQUAL(200, open.back()->receive().status); // accepted, and kept alive
        }
        CPPUNIT_ASSERT_EQUAL(4.0, connections()); // with the scrape's own
        open.clear();
        double seen = 0;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while ((seen = connections()) != 1 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        CPPUNIT_ASSERT_EQUAL(1.0, seen);
    }

    void testMetricsCanBeSwitchedOff()
    {
        CPPUNIT_ASSERT_EQUAL(0, daemon_->stop(SIGTERM));
        daemon_ = std::make_unique<ocs::test::Daemon>(std::vector<std::string>{"--set", "server.metrics=false"},
                                                      work_->path());
        RawConnection connection(daemon_->port());
        CPPUNIT_ASSERT(connection.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        CPPUNIT_ASSERT_EQUAL(404, connection.receive().status);
        CPPUNIT_ASSERT(connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        CPPUNIT_ASSERT_EQUAL(200, connection.receive().status);
    }

  private:
    ocs::producer::ClientOptions options() const
    {
        ocs::producer::ClientOptions o;
        o.url = daemon_->url();
        return o;
    }

    // GET /metrics on a connection of its own, parsed strictly.
    Exposition scrape() const
    {
        RawConnection connection(daemon_->port());
        CPPUNIT_ASSERT(connection.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        const ocs::test::RawResponse response = connection.receive();
        CPPUNIT_ASSERT_EQUAL(200, response.status);
        CPPUNIT_ASSERT_MESSAGE(response.headers,
                               response.headers.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
        Exposition exposition;
        const std::string problem = parseStrictly(response.body, exposition);
        CPPUNIT_ASSERT_MESSAGE(problem + "\n" + response.body, problem.empty());
        return exposition;
    }

    double connections() const
    {
        return valueOf(scrape(), "ocsmanager_connections_open", "ocsmanager_connections_open");
    }

    static double moved(const Exposition& before, const Exposition& after, const std::string& family,
                        const std::string& sample, const Labels& labels = {})
    {
        return valueOf(after, family, sample, labels) - valueOf(before, family, sample, labels);
    }

    std::unique_ptr<ocs::test::TempDir> work_; // the daemons' state, kept across restarts
    std::unique_ptr<ocs::test::Daemon> daemon_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(MetricsTest);
