#include "daemon/metrics.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using ocs::daemon::Histogram;
using ocs::daemon::Metrics;
using ocs::daemon::QueueDepth;
using namespace std::chrono_literals;

namespace {

bool hasLine(const std::string& text, const std::string& line)
{
    return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

void assertHasLines(const std::string& text, const std::vector<std::string>& lines)
{
    for (const std::string& line : lines)
        CPPUNIT_ASSERT_MESSAGE(line + "\nnot in:\n" + text, hasLine(text, line));
}

} // namespace

class MetricsUnitTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(MetricsUnitTest);
    CPPUNIT_TEST(testHistogramBucketsAreCumulativeAndCountIsTheInfBucket);
    CPPUNIT_TEST(testRequestsAreCountedByOperationAndResult);
    CPPUNIT_TEST(testEventsAreCountedByWhatBecameOfThem);
    CPPUNIT_TEST(testCommitEventsAreThoseTalliedDuringTheCommit);
    CPPUNIT_TEST(testGaugesComeFromTheirSourcesAtEachRender);
    CPPUNIT_TEST(testOperationLabelsCoverTheContract);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testHistogramBucketsAreCumulativeAndCountIsTheInfBucket()
    {
        Histogram histogram({100, 250});
        for (std::uint64_t value : {50, 100, 101, 250, 20000000})
            histogram.observe(value);
        const Histogram::Snapshot snapshot = histogram.snapshot();
        CPPUNIT_ASSERT((snapshot.cumulative == std::vector<std::uint64_t>{2, 4, 5}));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{5}, snapshot.count());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t{20000501}, snapshot.sum);
    }

    void testRequestsAreCountedByOperationAndResult()
    {
        Metrics metrics({});
        metrics.recordRequest("Ping", std::nullopt, 30us);
        metrics.recordRequest("Ping", std::nullopt, 300us);
        metrics.recordRequest("GET /health", std::nullopt, 10us);
        metrics.recordRequest("HEAD /?wsdl", std::nullopt, 10us);
        metrics.recordRequest("-", ocs::makeError(ocs::ErrorCode::MalformedRequest), 10us);
        metrics.recordRequest("Login", ocs::makeError(ocs::ErrorCode::TooManyAttempts), 2s);
        const std::string text = metrics.render();
        const std::vector<std::string> expected = {
            "ocsmanager_requests_total{operation=\"Ping\",result=\"ok\"} 2",
            "ocsmanager_requests_total{operation=\"http\",result=\"ok\"} 2",
            "ocsmanager_requests_total{operation=\"unknown\",result=\"MalformedRequest\"} 1",
            "ocsmanager_requests_total{operation=\"Login\",result=\"TooManyAttempts\"} 1",
            "ocsmanager_login_throttled_total 1",
            // 30 µs and 300 µs: one in the first bucket, both by 0.0005 s.
            "ocsmanager_request_duration_seconds_bucket{operation=\"Ping\",le=\"0.0001\"} 1",
            "ocsmanager_request_duration_seconds_bucket{operation=\"Ping\",le=\"0.00025\"} 1",
            "ocsmanager_request_duration_seconds_bucket{operation=\"Ping\",le=\"0.0005\"} 2",
            "ocsmanager_request_duration_seconds_sum{operation=\"Ping\"} 0.00033",
            "ocsmanager_request_duration_seconds_count{operation=\"Ping\"} 2",
            "ocsmanager_request_duration_seconds_bucket{operation=\"Login\",le=\"1\"} 0",
            "ocsmanager_request_duration_seconds_bucket{operation=\"Login\",le=\"2.5\"} 1",
            "ocsmanager_request_duration_seconds_sum{operation=\"Login\"} 2"};
        assertHasLines(text, expected);
        // Operations without requests have no series.
        CPPUNIT_ASSERT(text.find("operation=\"NewMail\"") == std::string::npos);
    }

    // A Notify is one request answered "ok" whatever became of its events:
    // the refused ones are counted here, by their row.
    void testEventsAreCountedByWhatBecameOfThem()
    {
        Metrics metrics({});
        metrics.recordEvents("Notify", 97, 1, {ocs::ErrorCode::StoreUnavailable, ocs::ErrorCode::StoreUnavailable});
        metrics.recordEvents("Notify", 3, 0, {ocs::ErrorCode::InvalidParameter});
        metrics.recordEvents("NewMail", 0, 0, {ocs::ErrorCode::UnknownBackend});
        metrics.recordEvents("Ping", 5, 5, {});
        const std::string text = metrics.render();
        assertHasLines(text, {"ocsmanager_events_total{operation=\"Notify\",result=\"queued\"} 100",
                              "ocsmanager_events_total{operation=\"Notify\",result=\"duplicate\"} 1",
                              "ocsmanager_events_total{operation=\"Notify\",result=\"StoreUnavailable\"} 2",
                              "ocsmanager_events_total{operation=\"Notify\",result=\"InvalidParameter\"} 1",
                              "ocsmanager_events_total{operation=\"NewMail\",result=\"UnknownBackend\"} 1"});
        CPPUNIT_ASSERT(text.find("operation=\"NewMail\",result=\"queued\"") == std::string::npos);
        CPPUNIT_ASSERT(text.find("ocsmanager_events_total{operation=\"Ping\"") == std::string::npos);
    }

    void testCommitEventsAreThoseTalliedDuringTheCommit()
    {
        Metrics metrics({});
        metrics.tallyCommitEvents(3);
        metrics.tallyCommitEvents(2);
        metrics.recordCommit(1500us, 2);
        metrics.recordCommit(200us, 1); // nothing tallied: a commit whose jobs wrote no event
        const std::string text = metrics.render();
        const std::vector<std::string> expected = {"ocsmanager_commit_batch_events_sum 5",
                                                   "ocsmanager_commit_batch_events_count 2",
                                                   "ocsmanager_commit_batch_events_bucket{le=\"1\"} 1",
                                                   "ocsmanager_commit_batch_events_bucket{le=\"4\"} 1",
                                                   "ocsmanager_commit_batch_events_bucket{le=\"8\"} 2",
                                                   "ocsmanager_commit_batch_requests_sum 3",
                                                   "ocsmanager_commit_duration_seconds_sum 0.0017",
                                                   "ocsmanager_commit_duration_seconds_bucket{le=\"0.00025\"} 1",
                                                   "ocsmanager_commit_duration_seconds_bucket{le=\"0.001\"} 1",
                                                   "ocsmanager_commit_duration_seconds_bucket{le=\"0.0025\"} 2"};
        assertHasLines(text, expected);
    }

    void testGaugesComeFromTheirSourcesAtEachRender()
    {
        std::size_t sessions = 4;
        std::optional<QueueDepth> depth;
        std::size_t backlog = 0;
        Metrics metrics({[&] { return sessions; }, [&] { return depth; }, [&] { return backlog; }});
        metrics.connectionOpened();
        metrics.connectionOpened();
        metrics.connectionClosed();
        std::string text = metrics.render();
        assertHasLines(text, {"ocsmanager_sessions 4", "ocsmanager_connections_open 1",
                              "ocsmanager_journal_backlog_events 0"});
        CPPUNIT_ASSERT(text.find("ocsmanager_queue") == std::string::npos); // depth unknown: no series
        sessions = 0;
        depth = QueueDepth{2, 17};
        backlog = 120;
        text = metrics.render();
        assertHasLines(text, {"ocsmanager_sessions 0", "ocsmanager_queues 2", "ocsmanager_queue_entries 17",
                              "# TYPE ocsmanager_queue_entries gauge", "ocsmanager_journal_backlog_events 120",
                              "# TYPE ocsmanager_journal_backlog_events gauge"});
        CPPUNIT_ASSERT(Metrics({}).render().find("ocsmanager_sessions") == std::string::npos);
    }

    // A SOAP operation missing from the labels would be counted as
    // "unknown": every operation of the contract has its own label.
    void testOperationLabelsCoverTheContract()
    {
        std::ifstream in(OCS_SOURCE_DIR "/wsdl/ocsmanager.wsdl");
        std::stringstream wsdl;
        wsdl << in.rdbuf();
        const std::string text = wsdl.str();
        const std::regex operation(R"re(<wsdl:operation name="([A-Za-z]+)")re");
        std::set<std::string> names;
        for (auto it = std::sregex_iterator(text.begin(), text.end(), operation); it != std::sregex_iterator(); ++it)
            names.insert((*it)[1]);
        CPPUNIT_ASSERT_EQUAL(std::size_t{6}, names.size());
        const auto& labels = Metrics::operationLabels();
        for (const std::string& name : names)
            CPPUNIT_ASSERT_MESSAGE(name, std::find(labels.begin(), labels.end(), name) != labels.end());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MetricsUnitTest);
