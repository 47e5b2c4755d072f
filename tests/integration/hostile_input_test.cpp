// Hostile input against the running daemon: entity expansion, deep nesting,
// oversized and compressed bodies, huge batches, malformed text in every
// string field, slow, idle and aborting clients, running out of descriptors.
// Each case asserts what the daemon answered (or that it closed the
// connection), and afterwards that it still runs and answers Ping.
#include "producer/producer_client.hpp"
#include "support/daemon.hpp"
#include "support/raw_http.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using ocs::test::envelope;
using ocs::test::RawConnection;
using ocs::test::RawResponse;

namespace {

using Clock = std::chrono::steady_clock;

const std::string kPassword = "hostile input test password";
const std::string kPing = envelope("<ocs:Ping/>");
// Room for a 100000-deep body (700 KB) to be read and refused for its depth.
const std::vector<std::string> kDaemonArgs = {"--set", "server.workers=4",    "--set", "limits.max_request_bytes=1M",
                                              "--set", "limits.max_occurs=50"};

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

std::string repeat(const std::string& text, std::size_t times)
{
    std::string out;
    out.reserve(text.size() * times);
    for (std::size_t i = 0; i < times; ++i)
        out += text;
    return out;
}

std::string between(const std::string& text, const std::string& open, const std::string& close)
{
    const auto start = text.find(open);
    if (start == std::string::npos)
        return {};
    const auto end = text.find(close, start + open.size());
    return end == std::string::npos ? std::string() : text.substr(start + open.size(), end - start - open.size());
}

std::string faultName(const RawResponse& response)
{
    return between(response.body, "<ocs:name>", "</ocs:name>");
}

const std::string kSoap11 = "http://schemas.xmlsoap.org/soap/envelope/";
const std::string kSoap12 = "http://www.w3.org/2003/05/soap-envelope";

std::string post(const std::string& body, const std::string& headers = "",
                 const std::string& contentType = "text/xml; charset=utf-8")
{
    return "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + contentType +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + headers + "\r\n" + body;
}

std::string withSession(const std::string& token, const std::string& bodyXml)
{
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
           "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" "
           "xmlns:ocs=\"urn:openchange:ocsmanager:1\"><soap:Header><ocs:Session>" +
           token + "</ocs:Session></soap:Header><soap:Body>" + bodyXml + "</soap:Body></soap:Envelope>";
}

// gzip of prefix, `times` copies of `filler`, suffix: a large body that is
// small on the wire.
std::string gzip(const std::string& prefix, const std::string& filler, std::size_t times, const std::string& suffix)
{
    z_stream stream{};
    if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("deflateInit2 failed");
    std::string out;
    char buffer[16384];
    const auto feed = [&](const std::string& data, int flush) {
        stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
        stream.avail_in = static_cast<uInt>(data.size());
        do {
            stream.next_out = reinterpret_cast<Bytef*>(buffer);
            stream.avail_out = sizeof buffer;
            deflate(&stream, flush);
            out.append(buffer, sizeof buffer - stream.avail_out);
        } while (stream.avail_out == 0);
    };
    feed(prefix, Z_NO_FLUSH);
    for (std::size_t i = 0; i < times; ++i)
        feed(filler, Z_NO_FLUSH);
    feed(suffix, Z_FINISH);
    deflateEnd(&stream);
    return out;
}

std::string gzip(const std::string& body)
{
    return gzip(body, {}, 0, {});
}

std::string readProc(int pid, const std::string& file)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::size_t openDescriptors(int pid)
{
    const auto entries = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd");
    return static_cast<std::size_t>(std::distance(std::filesystem::begin(entries), std::filesystem::end(entries)));
}

long residentKb(int pid)
{
    return std::stol(between(readProc(pid, "status"), "VmRSS:", "kB"));
}

// User plus system CPU time, in seconds.
double cpuSeconds(int pid)
{
    const std::string stat = readProc(pid, "stat");
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14)
            utime = std::stoull(field);
        if (i == 15)
            stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double millisSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Latency {
    double median = 0;
    double max = 0;
};

Latency summarise(std::vector<double> samples)
{
    std::sort(samples.begin(), samples.end());
    return {samples[samples.size() / 2], samples.back()};
}

// One hostile text and what the daemon must answer when a field holds it.
struct Hostile {
    std::string label;
    std::string text;
    bool malformed; // refused as a whole (MalformedRequest), else InvalidParameter naming the field
};

std::vector<Hostile> hostileTexts()
{
    std::vector<Hostile> texts = {
        {"overlong '/'", "\xC0\xAF", true},
        {"overlong 3-byte '/'", "\xE0\x80\xAF", true},
        {"overlong NUL", "\xC0\x80", true},
        {"lone continuation byte", "\x80", true},
        {"encoded surrogate", "\xED\xA0\x80", true},
        {"truncated 2-byte sequence", "\xC3", true},
        {"truncated 3-byte sequence", "\xE2\x82", true},
        {"truncated 4-byte sequence", "\xF0\x9F\x98", true},
        {"byte 0xFE", "\xFE", true},
        {"above U+10FFFF", "\xF4\x90\x80\x80", true},
        {"raw NUL", std::string(1, '\0'), true},
        {"&#0;", "&#0;", true},
        {"&#x0;", "&#x0;", true},
        {"raw DEL", "\x7F", false},
        {"&#127;", "&#127;", false},
    };
    for (int c = 1; c < 0x20; ++c) {
        if (c == '\t' || c == '\n' || c == '\r')
            continue;
        std::ostringstream hex;
        hex << std::hex << c;
        texts.push_back({"raw U+" + hex.str(), std::string(1, static_cast<char>(c)), false});
        texts.push_back({"&#" + std::to_string(c) + ";", "&#" + std::to_string(c) + ";", false});
        texts.push_back({"&#x" + hex.str() + ";", "&#x" + hex.str() + ";", false});
    }
    return texts;
}

// Elements in order, name and good value; elements() writes them with
// `value` in the one named `field`.
using Elements = std::vector<std::pair<std::string, std::string>>;

std::string elements(const Elements& all, const std::string& field, const std::string& value)
{
    std::string xml;
    for (const auto& [name, good] : all)
        xml += "<ocs:" + name + ">" + (name == field ? value : good) + "</ocs:" + name + ">";
    return xml;
}

// One string field of one operation: the request with `value` in that field
// and good values everywhere else.
struct Field {
    std::string where; // for messages
    std::string name;  // the field the daemon names
    std::string good;
    bool perEvent; // a Notify event: answered per event, not with a fault
    std::function<std::string(const std::string& value)> request;
};

} // namespace

class HostileInputTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(HostileInputTest);
    CPPUNIT_TEST(testEntityDeclarationsAreRefusedNeverExpanded);
    CPPUNIT_TEST(testHundredThousandDeepNestingIsRefused);
    CPPUNIT_TEST(testOversizedAndInflatingBodiesAreRefusedInBoundedMemory);
    CPPUNIT_TEST(testNotifyBatchesOverMaxOccurs);
    CPPUNIT_TEST(testMalformedTextInEveryStringFieldIsRefused);
    CPPUNIT_TEST(testSlowClientsAreCutOffWhileOthersAreServed);
    CPPUNIT_TEST(testThousandIdleConnectionsDoNotStopService);
    CPPUNIT_TEST(testRunningOutOfDescriptorsNeitherSpinsNorStops);
    CPPUNIT_TEST(testTruncatedAndAbortedRequestsLeakNothing);
    CPPUNIT_TEST_SUITE_END();

  public:
    void tearDown() override
    {
        if (!daemon_)
            return;
        CPPUNIT_ASSERT_MESSAGE(daemon_->log(), daemon_->running());
        assertPingAnswers();
        CPPUNIT_ASSERT_EQUAL(0, daemon_->stop(SIGTERM));
        daemon_.reset();
    }

    void testEntityDeclarationsAreRefusedNeverExpanded()
    {
        start();
        const std::string envelopeOpen = "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" "
                                         "xmlns:ocs=\"urn:openchange:ocsmanager:1\"><soap:Body>";
        const auto getToken = [&](const std::string& prolog, const std::string& login) {
            return "<?xml version=\"1.0\"?>" + prolog + envelopeOpen + "<ocs:GetToken><ocs:login>" + login +
                   "</ocs:login></ocs:GetToken></soap:Body></soap:Envelope>";
        };
        std::string laughs = "<!DOCTYPE lolz [<!ENTITY lol0 \"lol\">";
        for (int i = 1; i <= 9; ++i)
            laughs +=
                "<!ENTITY lol" + std::to_string(i) + " \"" + repeat("&lol" + std::to_string(i - 1) + ";", 10) + "\">";
        laughs += "]>";
        const std::vector<std::string> bodies = {
            getToken(laughs, "&lol9;"),
            getToken("<!DOCTYPE soap:Envelope [<!ENTITY who \"mta\">]>", "&who;"),
            getToken("<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>", "&xxe;"),
            getToken("<!DOCTYPE soap:Envelope SYSTEM \"http://127.0.0.1:9/evil.dtd\">", "mta"),
            getToken("", "<!ENTITY x \"y\">mta"),
        };
        for (const std::string& body : bodies) {
            const RawResponse response = exchange(post(body));
            assertFault(response, "MalformedRequest");
            CPPUNIT_ASSERT(!contains(response.body, "lollol") && !contains(response.body, "root:"));
        }
        // The declaration split between two reads, and inside a gzip body.
        RawConnection split(daemon_->port());
        const std::string request = post(bodies[1]);
        const auto cut = request.find("<!DOC") + 4;
        CPPUNIT_ASSERT(split.send(request.substr(0, cut)));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        CPPUNIT_ASSERT(split.send(request.substr(cut)));
        assertFault(split.receive(), "MalformedRequest");
        assertFault(exchange(post(gzip(bodies[0]), "Content-Encoding: gzip\r\n")), "MalformedRequest");
        CPPUNIT_ASSERT(contains(daemon_->log(), "detail=DTD\\x20in\\x20request"));
    }

    void testHundredThousandDeepNestingIsRefused()
    {
        start();
        constexpr std::size_t kDepth = 100000;
        const std::string open = repeat("<a>", kDepth), close = repeat("</a>", kDepth);
        // gSOAP skips an unknown header block without counting its depth:
        // this one was answered as a plain Ping before.
        const std::string inHeader = "<?xml version=\"1.0\"?><soap:Envelope "
                                     "xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" "
                                     "xmlns:ocs=\"urn:openchange:ocsmanager:1\"><soap:Header>" +
                                     open + close + "</soap:Header><soap:Body><ocs:Ping/></soap:Body></soap:Envelope>";
        for (const std::string& body :
             {inHeader, envelope("<ocs:Ping>" + open + close + "</ocs:Ping>"),
              envelope("<ocs:GetToken><ocs:login>" + open + close + "</ocs:login></ocs:GetToken>"), envelope(open)})
            assertRefused(exchange(post(body)), "PayloadTooLarge");
        // Small on the wire: read whole, so the answer always arrives.
        assertFault(exchange(post(gzip(inHeader), "Content-Encoding: gzip\r\n")), "PayloadTooLarge");
        CPPUNIT_ASSERT(contains(daemon_->log(), "detail=nested\\x20deeper\\x20than\\x20limits.max_depth"));
    }

    void testOversizedAndInflatingBodiesAreRefusedInBoundedMemory()
    {
        start();
        const long before = residentKb(daemon_->pid());
        const std::string spaces(2 * 1024 * 1024, ' '); // twice limits.max_request_bytes
        const std::string oversized = envelope("<ocs:Ping/>" + spaces);
        // Announced by Content-Length: refused before it is read.
        assertRefused(exchange(post(oversized)), "PayloadTooLarge");
        // Chunked, so only counting can tell.
        std::string chunked;
        for (std::size_t at = 0; at < oversized.size(); at += 8192) {
            const std::string piece = oversized.substr(at, 8192);
            std::ostringstream size;
            size << std::hex << piece.size();
            chunked += size.str() + "\r\n" + piece + "\r\n";
        }
        assertRefused(exchange("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n" +
                               chunked + "0\r\n\r\n"),
                      "PayloadTooLarge");
        // gzip bombs: about 50 KB on the wire, 50 MB inflated, between the
        // elements or after the envelope.
        const std::string mega(1024 * 1024, ' ');
        const auto ping = kPing.find("<ocs:Ping/>");
        const std::string bombs[] = {
            gzip(kPing.substr(0, ping), mega, 50, kPing.substr(ping)),
            gzip(kPing, mega, 50, ""),
        };
        for (const std::string& bomb : bombs) {
            CPPUNIT_ASSERT(bomb.size() < 100 * 1024);
            assertRefused(exchange(post(bomb, "Content-Encoding: gzip\r\n")), "PayloadTooLarge");
        }
        const long after = residentKb(daemon_->pid());
        std::cout << "\n  [hostile] oversized and gzip bombs: VmRSS " << before << " kB -> " << after << " kB\n";
        CPPUNIT_ASSERT(after - before < 64 * 1024);
        CPPUNIT_ASSERT(contains(daemon_->log(), "detail=body\\x20over\\x20limits.max_request_bytes"));
    }

    void testNotifyBatchesOverMaxOccurs()
    {
        start();
        daemon_->addAccount("mta", kPassword);
        ocs::producer::ProducerClient client(clientOptions());
        CPPUNIT_ASSERT(client.login("mta", kPassword));
        const long before = residentKb(daemon_->pid());
        // limits.max_occurs is 50 here: 50 pass, 51 are refused as a whole.
        std::vector<ocs::producer::NotifyEvent> batch(51);
        for (std::size_t i = 0; i < batch.size(); ++i) {
            batch[i].backend = "SOGo";
            batch[i].username = "jdoe";
            batch[i].folder = "INBOX";
            batch[i].messageId = std::to_string(i);
        }
        std::vector<ocs::producer::EventOutcome> outcomes;
        CPPUNIT_ASSERT(!client.notify(batch, outcomes));
        CPPUNIT_ASSERT_EQUAL(413, client.lastError().code);
        CPPUNIT_ASSERT_EQUAL(std::string("PayloadTooLarge"), client.lastError().name);
        CPPUNIT_ASSERT_EQUAL(std::string("event"), client.lastError().field);
        batch.pop_back();
        CPPUNIT_ASSERT_MESSAGE(client.lastError().message, client.notify(batch, outcomes));
        CPPUNIT_ASSERT_EQUAL(std::size_t{50}, outcomes.size());
        // Far over max_occurs yet within max_request_bytes: the same fault.
        const auto events = [](std::size_t count) {
            return repeat("<ocs:event><ocs:type>NewMail</ocs:type><ocs:kind>message</ocs:kind><ocs:backend>SOGo"
                          "</ocs:backend><ocs:username>u</ocs:username><ocs:folder>f</ocs:folder>"
                          "<ocs:messageID>1</ocs:messageID></ocs:event>",
                          count);
        };
        const RawResponse thousands =
            exchange(post(withSession(client.session(), "<ocs:Notify>" + events(2000) + "</ocs:Notify>")));
        assertFault(thousands, "PayloadTooLarge");
        CPPUNIT_ASSERT_EQUAL(std::string("event"), between(thousands.body, "<ocs:field>", "</ocs:field>"));
        // 100000 events, about 19 MB: over max_request_bytes, refused unread.
        const std::string huge = withSession(client.session(), "<ocs:Notify>" + events(100000) + "</ocs:Notify>");
        CPPUNIT_ASSERT(huge.size() > 1024 * 1024);
        const RawResponse refused = exchange(post(huge));
        assertRefused(refused, "PayloadTooLarge");
        CPPUNIT_ASSERT(!contains(refused.body, "<ocs:field>"));
        const long after = residentKb(daemon_->pid());
        std::cout << "\n  [hostile] Notify batches: VmRSS " << before << " kB -> " << after << " kB\n";
        CPPUNIT_ASSERT(after - before < 64 * 1024);
    }

    void testMalformedTextInEveryStringFieldIsRefused()
    {
        start();
        daemon_->addAccount("mta", kPassword);
        ocs::producer::ProducerClient client(clientOptions());
        CPPUNIT_ASSERT(client.login("mta", kPassword));
        const std::vector<Field> fields = stringFields(client.session());
        const std::vector<Hostile> texts = hostileTexts();
        std::size_t requests = 0;
        for (const Field& field : fields) {
            assertGoodValueAccepted(field);
            for (const Hostile& hostile : texts) {
                const std::string value = field.good.substr(0, 1) + hostile.text + field.good.substr(1);
                const RawResponse response = exchange(post(field.request(value)));
                assertMalformedTextRefused(field, hostile, response);
                ++requests;
            }
        }
        std::cout << "\n  [hostile] " << requests << " requests with malformed text in " << fields.size()
                  << " fields, each refused\n";
        // Refused before gSOAP read the envelope, a SOAP 1.2 request still
        // gets its fault in SOAP 1.2 (as a SOAP 1.1 one gets it in 1.1).
        const std::string soap12 = "<?xml version=\"1.0\"?><env:Envelope xmlns:env=\"" + kSoap12 +
                                   "\" xmlns:ocs=\"urn:openchange:ocsmanager:1\"><env:Body><ocs:GetToken><ocs:login>"
                                   "m\xC0\xAFta</ocs:login></ocs:GetToken></env:Body></env:Envelope>";
        const RawResponse response = exchange(post(soap12, "", "application/soap+xml; charset=utf-8"));
        assertFault(response, "MalformedRequest");
        CPPUNIT_ASSERT_EQUAL(400, response.status);
        CPPUNIT_ASSERT(contains(response.body, kSoap12) && !contains(response.body, kSoap11));
        CPPUNIT_ASSERT(contains(response.body, "<SOAP-ENV:Value>ocs:MalformedRequest</SOAP-ENV:Value>"));
    }

    void testSlowClientsAreCutOffWhileOthersAreServed()
    {
        start({"--set", "server.workers=2", "--set", "server.recv_timeout=2", "--set", "server.transfer_timeout=3"});
        const std::string request = post(kPing);
        // One byte a second: never slow enough for recv_timeout, cut off by
        // transfer_timeout.
        RawConnection trickle(daemon_->port());
        const auto started = Clock::now();
        bool closed = false;
        std::size_t sent = 0;
        std::vector<double> others;
        while (!closed && sent < request.size() && millisSince(started) < 15000) {
            closed = !trickle.send(request.substr(sent++, 1)) || trickle.closedByPeer(1000);
            others.push_back(pingMillis());
        }
        const double cutOff = millisSince(started);
        CPPUNIT_ASSERT_MESSAGE("the trickling client was not cut off", closed);
        CPPUNIT_ASSERT(sent < request.size());
        CPPUNIT_ASSERT(!trickle.receive(100).answered);
        // Half a request, then silence: cut off by recv_timeout.
        RawConnection stalled(daemon_->port());
        const auto stalledAt = Clock::now();
        CPPUNIT_ASSERT(stalled.send(request.substr(0, request.size() / 2)));
        CPPUNIT_ASSERT(stalled.closedByPeer(8000));
        const double stallCutOff = millisSince(stalledAt);
        const Latency meanwhile = summarise(others);
        std::cout << "\n  [hostile] trickling client cut off after " << cutOff << " ms (" << sent
                  << " bytes), stalled client after " << stallCutOff << " ms; Ping meanwhile median "
                  << meanwhile.median << " ms, max " << meanwhile.max << " ms\n";
        CPPUNIT_ASSERT(meanwhile.max < 2000);
    }

    void testThousandIdleConnectionsDoNotStopService()
    {
        constexpr std::size_t kIdle = 1000;
        ensureDescriptors(kIdle + 200);
        start({"--set", "server.max_connections=1100"});
        const Latency alone = pingLatency(50);
        // Half have made a request and wait on keep-alive, half never sent a byte.
        std::vector<std::unique_ptr<RawConnection>> idle;
        for (std::size_t i = 0; i < kIdle; ++i) {
            idle.push_back(std::make_unique<RawConnection>(daemon_->port()));
            if (i % 2 == 0) {
                CPPUNIT_ASSERT(idle.back()->send(post(kPing)));
                CPPUNIT_ASSERT_EQUAL(200, idle.back()->receive(2000).status);
            }
        }
        const Latency crowded = pingLatency(50);
        std::cout << "\n  [hostile] Ping on a new connection: alone median " << alone.median << " ms, max " << alone.max
                  << " ms; with " << kIdle << " idle connections median " << crowded.median << " ms, max "
                  << crowded.max << " ms; daemon fds " << openDescriptors(daemon_->pid()) << "\n";
        CPPUNIT_ASSERT(crowded.max < 2000);
        // They were held, not dropped: each still gets its answer.
        for (std::size_t i = 0; i < kIdle; i += 50) {
            CPPUNIT_ASSERT(idle[i]->send(post(kPing)));
            CPPUNIT_ASSERT_EQUAL(200, idle[i]->receive(2000).status);
        }
    }

    void testRunningOutOfDescriptorsNeitherSpinsNorStops()
    {
        // The daemon inherits a limit of 64 descriptors: 100 clients exhaust it.
        rlimit saved{};
        getrlimit(RLIMIT_NOFILE, &saved);
        rlimit low = saved;
        low.rlim_cur = 64;
        setrlimit(RLIMIT_NOFILE, &low);
        try {
            start();
        } catch (...) {
            setrlimit(RLIMIT_NOFILE, &saved);
            throw;
        }
        setrlimit(RLIMIT_NOFILE, &saved);
        std::vector<std::unique_ptr<RawConnection>> clients;
        for (int i = 0; i < 100; ++i)
            clients.push_back(std::make_unique<RawConnection>(daemon_->port()));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        const double cpuBefore = cpuSeconds(daemon_->pid());
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        const double busy = cpuSeconds(daemon_->pid()) - cpuBefore;
        std::cout << "\n  [hostile] out of descriptors: " << busy << " s of CPU in 1.5 s\n";
        // Polling the listening socket again and again would take a whole core.
        CPPUNIT_ASSERT(busy < 0.5);
        // It says so at start, and stops accepting before its own files
        // (a new journal segment) could run out of descriptors.
        CPPUNIT_ASSERT(contains(daemon_->log(), "W-2004 RLIMIT_NOFILE 64 leaves room for"));
        CPPUNIT_ASSERT(contains(daemon_->log(), "W-2004 cannot accept"));
        CPPUNIT_ASSERT(openDescriptors(daemon_->pid()) <= 64 - 16);
        // Every client gets served once others leave, the waiting ones included.
        clients.erase(clients.begin(), clients.begin() + 80);
        for (auto& waiting : clients) {
            CPPUNIT_ASSERT(waiting->send(post(kPing)));
            CPPUNIT_ASSERT_EQUAL(200, waiting->receive(5000).status);
        }
    }

    void testTruncatedAndAbortedRequestsLeakNothing()
    {
        start();
        daemon_->addAccount("mta", kPassword);
        std::string session;
        {
            ocs::producer::ProducerClient client(clientOptions());
            CPPUNIT_ASSERT(client.login("mta", kPassword));
            session = client.session();
        }
        const std::string notify = withSession(
            session, "<ocs:Notify>" +
                         repeat("<ocs:event><ocs:type>NewMail</ocs:type><ocs:kind>message</ocs:kind><ocs:backend>"
                                "SOGo</ocs:backend><ocs:username>u</ocs:username><ocs:folder>f</ocs:folder>"
                                "<ocs:messageID>1</ocs:messageID></ocs:event>",
                                50) +
                         "</ocs:Notify>");
        const std::string requests[] = {post(kPing), "GET /?wsdl HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", post(notify)};
        // Once each, so that what is allocated once is there before measuring.
        for (const std::string& request : requests)
            CPPUNIT_ASSERT_EQUAL(200, exchange(request).status);
        const int pid = daemon_->pid();
        const std::size_t fdsBefore = settledDescriptors(pid, 0);
        const long rssBefore = residentKb(pid);
        std::size_t hostile = 0;
        for (int round = 0; round < 100; ++round) {
            for (const std::string& request : requests) {
                // Content-Length larger than what comes, then FIN or RST.
                RawConnection truncated(daemon_->port());
                CPPUNIT_ASSERT(truncated.send(request.substr(0, request.size() - 20)));
                if (round % 2 == 0)
                    truncated.close();
                else
                    truncated.abort();
                // The whole request, and a reset before the answer is read.
                RawConnection aborted(daemon_->port());
                CPPUNIT_ASSERT(aborted.send(request));
                aborted.abort();
                hostile += 2;
            }
        }
        assertPingAnswers();
        const std::size_t fdsAfter = settledDescriptors(pid, fdsBefore);
        const long rssAfter = residentKb(pid);
        std::cout << "\n  [hostile] " << hostile << " truncated or reset requests: daemon fds " << fdsBefore << " -> "
                  << fdsAfter << ", VmRSS " << rssBefore << " kB -> " << rssAfter << " kB\n";
        CPPUNIT_ASSERT(fdsAfter <= fdsBefore);
        CPPUNIT_ASSERT(rssAfter - rssBefore < 64 * 1024);
    }

  private:
    void start(std::vector<std::string> extra = {})
    {
        std::vector<std::string> args = kDaemonArgs;
        args.insert(args.end(), extra.begin(), extra.end());
        daemon_ = std::make_unique<ocs::test::Daemon>(args);
    }

    ocs::producer::ClientOptions clientOptions() const
    {
        ocs::producer::ClientOptions options;
        options.url = daemon_->url();
        options.timeoutSeconds = 5;
        return options;
    }

    RawResponse exchange(const std::string& request)
    {
        RawConnection connection(daemon_->port());
        connection.send(request); // may fail once the daemon has refused and closed
        return connection.receive();
    }

    double pingMillis()
    {
        const auto started = Clock::now();
        const RawResponse response = exchange(post(kPing));
        CPPUNIT_ASSERT_EQUAL(200, response.status);
        return millisSince(started);
    }

    Latency pingLatency(int count)
    {
        std::vector<double> samples;
        for (int i = 0; i < count; ++i)
            samples.push_back(pingMillis());
        return summarise(samples);
    }

    // The daemon's descriptor count once connections the test closed are
    // closed on its side too: at most `target` (0: whatever it settles at).
    std::size_t settledDescriptors(int pid, std::size_t target)
    {
        const auto deadline = Clock::now() + std::chrono::seconds(5);
        std::size_t count = openDescriptors(pid);
        for (;;) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            const std::size_t now = openDescriptors(pid);
            if ((target ? now <= target : now == count) || Clock::now() > deadline)
                return now;
            count = now;
        }
    }

    void ensureDescriptors(rlim_t needed)
    {
        rlimit limit{};
        getrlimit(RLIMIT_NOFILE, &limit);
        if (limit.rlim_cur >= needed)
            return;
        CPPUNIT_ASSERT_MESSAGE("RLIMIT_NOFILE hard limit below " + std::to_string(needed), limit.rlim_max >= needed);
        limit.rlim_cur = needed;
        CPPUNIT_ASSERT_EQUAL(0, setrlimit(RLIMIT_NOFILE, &limit));
    }

    std::vector<Field> stringFields(const std::string& session) const
    {
        const auto getToken = [](const std::string& login) {
            return envelope("<ocs:GetToken><ocs:login>" + login + "</ocs:login></ocs:GetToken>");
        };
        const auto login = [](const std::string& name, const std::string& challenge) {
            return envelope("<ocs:Login><ocs:login>" + name + "</ocs:login><ocs:challenge>" + challenge +
                            "</ocs:challenge><ocs:proof>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</ocs:proof>"
                            "</ocs:Login>");
        };
        const std::string challenge = "AAAAAAAAAAAAAAAAAAAAAAAA";
        std::vector<Field> fields = {
            {"GetToken", "login", "mta", false, getToken},
            {"Login", "login", "mta", false, [=](const std::string& v) { return login(v, challenge); }},
            {"Login", "challenge", challenge, false, [=](const std::string& v) { return login("mta", v); }},
            {"Logout", "session", "unknown-session-token", false,
             [](const std::string& v) {
                 return envelope("<ocs:Logout><ocs:session>" + v + "</ocs:session></ocs:Logout>");
             }},
        };
        // NewMail: the Session header and every string field.
        const Elements mail = {{"backend", "SOGo"},
                               {"username", "jdoe"},
                               {"folder", "INBOX"},
                               {"messageID", "61"},
                               {"messageClass", "IPM.Note"}};
        const auto newMail = [mail](const std::string& token, const std::string& field, const std::string& value) {
            return withSession(token, "<ocs:NewMail>" + elements(mail, field, value) + "</ocs:NewMail>");
        };
        fields.push_back(
            {"NewMail header", "Session", session, false, [=](const std::string& v) { return newMail(v, "", ""); }});
        for (const auto& [name, good] : mail)
            fields.push_back({"NewMail", name, good, false,
                              [=, name = name](const std::string& v) { return newMail(session, name, v); }});
        // Notify: the Session header and every string field of an event.
        const Elements event = {{"backend", "SOGo"},      {"username", "jdoe"},        {"folder", "INBOX"},
                                {"messageID", "62"},      {"oldFolder", "Drafts"},     {"oldMessageID", "7"},
                                {"parentFolder", "Root"}, {"messageClass", "IPM.Note"}};
        const auto notify = [event](const std::string& token, const std::string& field, const std::string& value) {
            return withSession(token,
                               "<ocs:Notify><ocs:event><ocs:type>NewMail</ocs:type><ocs:kind>message</ocs:kind>" +
                                   elements(event, field, value) + "</ocs:event></ocs:Notify>");
        };
        fields.push_back(
            {"Notify header", "Session", session, false, [=](const std::string& v) { return notify(v, "", ""); }});
        for (const auto& [name, good] : event)
            fields.push_back({"Notify event", name, good, true,
                              [=, name = name](const std::string& v) { return notify(session, name, v); }});
        return fields;
    }

    // The template itself is fine: only the hostile text makes it fail.
    void assertGoodValueAccepted(const Field& field)
    {
        const RawResponse response = exchange(post(field.request(field.good)));
        const std::string where = field.where + " " + field.name + ": " + response.body;
        if (field.where == "Login") {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where, std::string("InvalidToken"), faultName(response));
        } else if (field.where == "Logout") {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where, std::string("InvalidSession"), faultName(response));
        } else {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where, 200, response.status);
            CPPUNIT_ASSERT_MESSAGE(where, !contains(response.body, "<ocs:status>error</ocs:status>"));
        }
    }

    void assertMalformedTextRefused(const Field& field, const Hostile& hostile, const RawResponse& response)
    {
        const std::string where = field.where + " " + field.name + " with " + hostile.label + ": " + response.body;
        CPPUNIT_ASSERT_MESSAGE(where, response.answered);
        if (hostile.malformed) {
            CPPUNIT_ASSERT_MESSAGE(where, response.status >= 400);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where, std::string("MalformedRequest"), faultName(response));
            CPPUNIT_ASSERT_MESSAGE(where, contains(response.body, kSoap11) && !contains(response.body, kSoap12));
            return;
        }
        if (field.perEvent) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(where, 200, response.status);
            CPPUNIT_ASSERT_MESSAGE(where, contains(response.body, "<ocs:status>error</ocs:status>"));
            CPPUNIT_ASSERT_MESSAGE(where, contains(response.body, "<ocs:code>417</ocs:code>"));
        } else {
            CPPUNIT_ASSERT_MESSAGE(where, response.status >= 400);
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE(where, std::string("InvalidParameter"), faultName(response));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(where, field.name, between(response.body, "<ocs:field>", "</ocs:field>"));
    }

    void assertFault(const RawResponse& response, const std::string& name)
    {
        CPPUNIT_ASSERT_MESSAGE("no answer, expected " + name, response.answered);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(response.body, name, faultName(response));
        CPPUNIT_ASSERT(response.status >= 400);
    }

    // Refused: the fault, unless the connection was closed (and reset) while
    // the client was still sending, before the fault could be read.
    void assertRefused(const RawResponse& response, const std::string& name)
    {
        if (response.answered)
            assertFault(response, name);
    }

    void assertPingAnswers()
    {
        const RawResponse response = exchange(post(kPing));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon_->log(), 200, response.status);
        CPPUNIT_ASSERT(contains(response.body, "PingResponse"));
    }

    std::unique_ptr<ocs::test::Daemon> daemon_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(HostileInputTest);
