// The port seen as plain HTTP: the served contract, /health, keep-alive, and
// malformed requests, each of which gets a fault or a closed connection
// while the daemon keeps answering Ping.
#include "support/daemon.hpp"
#include "support/raw_http.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <csignal>

#include <memory>
#include <vector>

using ocs::test::envelope;
using ocs::test::RawConnection;
using ocs::test::soapPost;

namespace {

const std::string kPing = envelope("<ocs:Ping/>");

std::string get(const std::string& path)
{
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

} // namespace

class HttpTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(HttpTest);
    CPPUNIT_TEST(testWsdlIsServedWithTheAddressClientsUsed);
    CPPUNIT_TEST(testSchemaAndHealthAreServed);
    CPPUNIT_TEST(testUnknownPathIs404AndOtherMethodsAre405);
    CPPUNIT_TEST(testKeepAliveCarriesSeveralRequests);
    CPPUNIT_TEST(testPipelinedRequestsAreAllAnswered);
    CPPUNIT_TEST(testRefusedRequestKeepsTheConnection);
    CPPUNIT_TEST(testBodyThatIsNotXmlGetsMalformedRequest);
    CPPUNIT_TEST(testWrongNamespaceGetsUnknownOperation);
    CPPUNIT_TEST(testUnknownElementGetsMalformedRequest);
    CPPUNIT_TEST(testTruncatedBodyIsAnsweredOrClosed);
    CPPUNIT_TEST(testOversizedBodyClosesTheConnection);
    CPPUNIT_TEST(testDoctypeIsRefused);
    CPPUNIT_TEST(testTooDeepNestingIsPayloadTooLarge);
    CPPUNIT_TEST(testOverlongFieldIsPayloadTooLarge);
    CPPUNIT_TEST(testIdleConnectionsDoNotHoldWorkers);
    CPPUNIT_TEST(testClientThatHalfClosesGetsItsAnswer);
    CPPUNIT_TEST(testNonSoapBodyOnClosingConnectionStaysOffTheDaemonOutput);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        daemon_ = std::make_unique<ocs::test::Daemon>(std::vector<std::string>{
            "--workers", "2", "--set", "limits.max_request_bytes=8192", "--set", "limits.max_field_length=64"});
    }

    void tearDown() override
    {
        assertPingAnswers();
        CPPUNIT_ASSERT_EQUAL(0, daemon_->stop(SIGTERM));
        daemon_.reset();
    }

    void testWsdlIsServedWithTheAddressClientsUsed()
    {
        auto response = exchange(get("/?wsdl"));
        CPPUNIT_ASSERT_EQUAL(200, response.status);
        CPPUNIT_ASSERT(contains(response.body, "<wsdl:definitions"));
        CPPUNIT_ASSERT(contains(response.body, "location=\"http://127.0.0.1/\""));
        CPPUNIT_ASSERT(!contains(response.body, "127.0.0.1:5000"));
    }

    void testSchemaAndHealthAreServed()
    {
        auto xsd = exchange(get("/ocsmanager.xsd"));
        CPPUNIT_ASSERT_EQUAL(200, xsd.status);
        CPPUNIT_ASSERT(contains(xsd.body, "targetNamespace=\"urn:openchange:ocsmanager:1\""));
        auto health = exchange(get("/health"));
        CPPUNIT_ASSERT_EQUAL(200, health.status);
        CPPUNIT_ASSERT(contains(health.body, "\"status\":\"ok\""));
    }

    void testUnknownPathIs404AndOtherMethodsAre405()
    {
        auto missing = exchange(get("/nothing-here"));
        CPPUNIT_ASSERT_EQUAL(404, missing.status);
        CPPUNIT_ASSERT(contains(missing.body, "UnknownOperation"));
        auto put = exchange("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
        CPPUNIT_ASSERT_EQUAL(405, put.status);
        CPPUNIT_ASSERT(contains(put.body, "MethodNotAllowed"));
    }

    void testKeepAliveCarriesSeveralRequests()
    {
        RawConnection connection(daemon_->port());
        for (int i = 0; i < 5; ++i) {
            CPPUNIT_ASSERT(connection.send(soapPost(kPing)));
            auto response = connection.receive();
            CPPUNIT_ASSERT_EQUAL(200, response.status);
            CPPUNIT_ASSERT(contains(response.body, "PingResponse"));
        }
    }

    void testPipelinedRequestsAreAllAnswered()
    {
        RawConnection connection(daemon_->port());
        CPPUNIT_ASSERT(connection.send(soapPost(kPing) + soapPost(kPing) + soapPost(kPing)));
        for (int i = 0; i < 3; ++i)
            CPPUNIT_ASSERT_EQUAL(200, connection.receive().status);
    }

    // A request read whole and refused by the service (here: no session)
    // leaves the connection open for the next one; one the daemon could not
    // read (not XML) closes it, as its bytes cannot frame another request.
    void testRefusedRequestKeepsTheConnection()
    {
        const std::string newMail = envelope("<ocs:NewMail><ocs:backend>SOGo</ocs:backend><ocs:username>jdoe</ocs:username>"
                                             "<ocs:folder>INBOX</ocs:folder><ocs:messageID>1</ocs:messageID></ocs:NewMail>");
        RawConnection connection(daemon_->port());
        for (int i = 0; i < 3; ++i) {
            CPPUNIT_ASSERT(connection.send(soapPost(newMail)));
            auto refused = connection.receive();
            assertFault(refused, "InvalidSession");
            CPPUNIT_ASSERT_MESSAGE(refused.headers, contains(refused.headers, "Connection: keep-alive"));
            CPPUNIT_ASSERT(connection.send(soapPost(kPing)));
            CPPUNIT_ASSERT_EQUAL(200, connection.receive().status);
        }
        CPPUNIT_ASSERT(connection.send(soapPost("this is not xml")));
        auto malformed = connection.receive();
        assertFault(malformed, "MalformedRequest");
        CPPUNIT_ASSERT_MESSAGE(malformed.headers, contains(malformed.headers, "Connection: close"));
        CPPUNIT_ASSERT(!connection.send(soapPost(kPing)) || !connection.receive().answered);
    }

    void testBodyThatIsNotXmlGetsMalformedRequest()
    {
        assertFault(exchange(soapPost("this is not xml")), "MalformedRequest");
    }

    void testWrongNamespaceGetsUnknownOperation()
    {
        const std::string body = "<?xml version=\"1.0\"?><soap:Envelope "
                                 "xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:x=\"urn:other\">"
                                 "<soap:Body><x:Ping/></soap:Body></soap:Envelope>";
        assertFault(exchange(soapPost(body)), "UnknownOperation");
    }

    void testUnknownElementGetsMalformedRequest()
    {
        assertFault(exchange(soapPost(envelope("<ocs:GetToken><ocs:login>a</ocs:login><ocs:extra/></ocs:GetToken>"))),
                    "MalformedRequest");
    }

    void testTruncatedBodyIsAnsweredOrClosed()
    {
        const std::string full = envelope("<ocs:GetToken><ocs:login>someone</ocs:login></ocs:GetToken>");
        const std::string cut = full.substr(0, full.size() / 2);
        // Announced length matches what is sent: the XML itself is cut.
        auto response = exchange(soapPost(cut));
        if (response.answered)
            assertFault(response, "MalformedRequest");
        // Announced length larger than what is sent, then the client leaves.
        RawConnection connection(daemon_->port());
        std::string request = soapPost(full);
        CPPUNIT_ASSERT(connection.send(request.substr(0, request.size() - 40)));
        connection.close();
    }

    void testOversizedBodyClosesTheConnection()
    {
        const std::string huge = envelope("<ocs:GetToken><ocs:login>" + std::string(20000, 'a') +
                                          "</ocs:login></ocs:GetToken>");
        RawConnection connection(daemon_->port());
        connection.send(soapPost(huge));
        auto response = connection.receive();
        if (response.answered)
            CPPUNIT_ASSERT(response.status >= 400);
        CPPUNIT_ASSERT(connection.closedByPeer());
    }

    void testDoctypeIsRefused()
    {
        const std::string body = "<?xml version=\"1.0\"?><!DOCTYPE lol [<!ENTITY a \"aaaaaaaaaa\">"
                                 "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
                                 "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" "
                                 "xmlns:ocs=\"urn:openchange:ocsmanager:1\"><soap:Body><ocs:GetToken>"
                                 "<ocs:login>&b;</ocs:login></ocs:GetToken></soap:Body></soap:Envelope>";
        assertFault(exchange(soapPost(body)), "MalformedRequest");
    }

    void testTooDeepNestingIsPayloadTooLarge()
    {
        std::string nested;
        for (int i = 0; i < 40; ++i)
            nested += "<ocs:x>";
        assertFault(exchange(soapPost(envelope("<ocs:GetToken><ocs:login>" + nested + "</ocs:login></ocs:GetToken>"))),
                    "PayloadTooLarge");
    }

    void testOverlongFieldIsPayloadTooLarge()
    {
        const std::string backend(100, 'a'); // limits.max_field_length is 64 here
        assertFault(exchange(soapPost(envelope("<ocs:NewMail><ocs:backend>" + backend +
                                               "</ocs:backend><ocs:username>u</ocs:username><ocs:folder>f</ocs:folder>"
                                               "<ocs:messageID>1</ocs:messageID></ocs:NewMail>"))),
                    "PayloadTooLarge");
    }

    void testIdleConnectionsDoNotHoldWorkers()
    {
        // Twice as many idle keep-alive connections as workers, each having
        // made one request (with the trailing CRLF gSOAP clients send after
        // the envelope); a new client is still answered.
        std::vector<std::unique_ptr<RawConnection>> idle;
        for (int i = 0; i < 4; ++i) {
            idle.push_back(std::make_unique<RawConnection>(daemon_->port()));
            CPPUNIT_ASSERT(idle.back()->send(soapPost(kPing + "\r\n")));
            CPPUNIT_ASSERT_EQUAL(200, idle.back()->receive().status);
        }
        RawConnection fresh(daemon_->port());
        CPPUNIT_ASSERT(fresh.send(soapPost(kPing)));
        CPPUNIT_ASSERT_EQUAL(200, fresh.receive(2000).status);
        for (auto& connection : idle) {
            CPPUNIT_ASSERT(connection->send(soapPost(kPing)));
            CPPUNIT_ASSERT_EQUAL(200, connection->receive().status);
        }
    }

    // A client may shut down its sending side once its request is out
    // (shutdown(SHUT_WR), `nc -N`); it still gets the answer.
    void testClientThatHalfClosesGetsItsAnswer()
    {
        RawConnection connection(daemon_->port());
        CPPUNIT_ASSERT(connection.send(soapPost(kPing)));
        connection.finishSending();
        auto response = connection.receive();
        CPPUNIT_ASSERT_EQUAL(200, response.status);
        CPPUNIT_ASSERT(contains(response.body, "PingResponse"));
    }

    // Found by fuzz_soap_request: a body whose root is not a SOAP Envelope,
    // on a connection the client does not keep alive (HTTP/1.0 or
    // Connection: close), had its fault written to the daemon's standard
    // output once gSOAP had closed the socket.
    void testNonSoapBodyOnClosingConnectionStaysOffTheDaemonOutput()
    {
        const std::string body = "<?xml version=\"1.0\"?><soap:Enverope "
                                 "xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                                 "<soap:Body><ocs:Ping xmlns:ocs=\"urn:openchange:ocsmanager:1\"/></soap:Body>"
                                 "</soap:Enverope>";
        for (const bool keepAlive : {false, true}) {
            const auto response = exchange(soapPost(body, keepAlive));
            if (response.answered)
                assertFault(response, "MalformedRequest");
        }
        assertPingAnswers();
        const std::string log = daemon_->log();
        CPPUNIT_ASSERT_MESSAGE(log, !contains(log, "HTTP/1.1 ") && !contains(log, "Envelope"));
        CPPUNIT_ASSERT_MESSAGE(log, contains(log, "outcome=MalformedRequest"));
    }

private:
    ocs::test::RawResponse exchange(const std::string& request)
    {
        RawConnection connection(daemon_->port());
        CPPUNIT_ASSERT(connection.send(request));
        return connection.receive();
    }

    void assertFault(const ocs::test::RawResponse& response, const std::string& name)
    {
        CPPUNIT_ASSERT_MESSAGE("no answer", response.answered);
        CPPUNIT_ASSERT_MESSAGE(response.body, contains(response.body, "<ocs:name>" + name + "</ocs:name>"));
        CPPUNIT_ASSERT(response.status >= 400);
    }

    void assertPingAnswers()
    {
        auto response = exchange(soapPost(kPing));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon_->log(), 200, response.status);
        CPPUNIT_ASSERT(contains(response.body, "PingResponse"));
    }

    std::unique_ptr<ocs::test::Daemon> daemon_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpTest);
