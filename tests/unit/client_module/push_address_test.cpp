// EcRRegisterPushNotification callback addresses ([MS-OXCRPC] 3.1.4.5): the
// Windows SOCKADDR_IN / SOCKADDR_IN6 bytes written out by hand.
#include "client_module/push_address.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <initializer_list>
#include <string>

using namespace ocs;
using namespace ocs::client_module;

namespace {

Bytes wire(std::initializer_list<unsigned> values)
{
    Bytes out;
    for (unsigned v : values)
        out.push_back(static_cast<std::uint8_t>(v));
    return out;
}

// SOCKADDR_IN for 127.0.0.1:5000.
Bytes loopbackV4()
{
    return wire({
        0x02, 0x00,             // sin_family AF_INET, little-endian
        0x13, 0x88,             // sin_port 5000, big-endian
        0x7F, 0x00, 0x00, 0x01, // sin_addr 127.0.0.1
        0, 0, 0, 0, 0, 0, 0, 0, // sin_zero
    });
}

// SOCKADDR_IN6 for [::1]:5000 with the given family value.
Bytes loopbackV6(std::uint16_t family)
{
    Bytes out = wire({
        0x00, 0x00,                         // sin6_family, little-endian (set below)
        0x13, 0x88,                         // sin6_port 5000, big-endian
        0x00, 0x00, 0x00, 0x00,             // sin6_flowinfo
        0,    0,    0,    0,    0, 0, 0, 0, // sin6_addr ::1 ...
        0,    0,    0,    0,    0, 0, 0, 1, // ... last byte 1
        0x00, 0x00, 0x00, 0x00,             // sin6_scope_id
    });
    out[0] = static_cast<std::uint8_t>(family);
    out[1] = static_cast<std::uint8_t>(family >> 8);
    return out;
}

void assertRejected(const Bytes& input, const std::string& detailWord)
{
    const auto result = parsePushAddress(input);
    CPPUNIT_ASSERT(!result.ok());
    CPPUNIT_ASSERT(result.error().code == ErrorCode::InvalidParameter);
    CPPUNIT_ASSERT_EQUAL(std::string("address"), result.error().field);
    CPPUNIT_ASSERT_MESSAGE(result.error().detail, result.error().detail.find(detailWord) != std::string::npos);
}

} // namespace

class PushAddressTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PushAddressTest);
    CPPUNIT_TEST(testIpv4);
    CPPUNIT_TEST(testIpv6WithWindowsFamily);
    CPPUNIT_TEST(testIpv6WithLinuxFamily);
    CPPUNIT_TEST(testIpv6FlowInfoAndScopeId);
    CPPUNIT_TEST(testTruncatedIsRejected);
    CPPUNIT_TEST(testUnknownFamilyIsRejected);
    CPPUNIT_TEST(testWrongLengthIsRejected);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testIpv4()
    {
        const auto address = parsePushAddress(loopbackV4());
        CPPUNIT_ASSERT(address.ok());
        CPPUNIT_ASSERT(address->family == PushFamily::IPv4);
        CPPUNIT_ASSERT_EQUAL(std::uint16_t(5000), address->port);
        CPPUNIT_ASSERT(address->address == wire({127, 0, 0, 1}));
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:5000"), formatPushAddress(*address));

        CPPUNIT_ASSERT_EQUAL(static_cast<socklen_t>(sizeof(sockaddr_in)), address->sockaddrLength);
        sockaddr_in sin;
        std::memcpy(&sin, &address->sockaddr, sizeof sin);
        CPPUNIT_ASSERT_EQUAL(static_cast<int>(AF_INET), static_cast<int>(sin.sin_family));
        CPPUNIT_ASSERT_EQUAL(std::uint16_t(5000), ntohs(sin.sin_port));
        CPPUNIT_ASSERT_EQUAL(std::uint32_t(INADDR_LOOPBACK), ntohl(sin.sin_addr.s_addr));
    }

    void testIpv6WithWindowsFamily()
    {
        const auto address = parsePushAddress(loopbackV6(0x0017));
        CPPUNIT_ASSERT(address.ok());
        CPPUNIT_ASSERT(address->family == PushFamily::IPv6);
        CPPUNIT_ASSERT_EQUAL(std::uint16_t(5000), address->port);
        CPPUNIT_ASSERT_EQUAL(std::size_t{16}, address->address.size());
        CPPUNIT_ASSERT_EQUAL(std::string("[::1]:5000"), formatPushAddress(*address));

        CPPUNIT_ASSERT_EQUAL(static_cast<socklen_t>(sizeof(sockaddr_in6)), address->sockaddrLength);
        sockaddr_in6 sin6;
        std::memcpy(&sin6, &address->sockaddr, sizeof sin6);
        CPPUNIT_ASSERT_EQUAL(static_cast<int>(AF_INET6), static_cast<int>(sin6.sin6_family));
        CPPUNIT_ASSERT_EQUAL(std::uint16_t(5000), ntohs(sin6.sin6_port));
        CPPUNIT_ASSERT(IN6_IS_ADDR_LOOPBACK(&sin6.sin6_addr));
    }

    void testIpv6WithLinuxFamily()
    {
        const auto address = parsePushAddress(loopbackV6(0x000A));
        CPPUNIT_ASSERT(address.ok());
        CPPUNIT_ASSERT(address->family == PushFamily::IPv6);
        CPPUNIT_ASSERT_EQUAL(std::string("[::1]:5000"), formatPushAddress(*address));
    }

    void testIpv6FlowInfoAndScopeId()
    {
        const Bytes input = wire({
            0x17, 0x00,                            // sin6_family AF_INET6 (Windows)
            0x00, 0x50,                            // sin6_port 80
            0x00, 0x01, 0x23, 0x45,                // sin6_flowinfo 0x00012345, network order
            0xFE, 0x80, 0,    0,    0, 0, 0, 0,    // sin6_addr fe80::
            0,    0,    0,    0,    0, 0, 0, 0x01, // ... ::1
            0x03, 0x00, 0x00, 0x00,                // sin6_scope_id 3, little-endian
        });
        const auto address = parsePushAddress(input);
        CPPUNIT_ASSERT(address.ok());
        CPPUNIT_ASSERT_EQUAL(std::uint16_t(80), address->port);
        CPPUNIT_ASSERT_EQUAL(std::uint32_t(0x00012345), address->flowInfo);
        CPPUNIT_ASSERT_EQUAL(std::uint32_t(3), address->scopeId);
        CPPUNIT_ASSERT_EQUAL(std::string("[fe80::1%3]:80"), formatPushAddress(*address));
        sockaddr_in6 sin6;
        std::memcpy(&sin6, &address->sockaddr, sizeof sin6);
        CPPUNIT_ASSERT_EQUAL(std::uint32_t(0x00012345), ntohl(sin6.sin6_flowinfo));
        CPPUNIT_ASSERT_EQUAL(std::uint32_t(3), static_cast<std::uint32_t>(sin6.sin6_scope_id));
    }

    void testTruncatedIsRejected()
    {
        assertRejected(Bytes{}, "truncated");
        assertRejected(wire({0x02}), "truncated");
        Bytes v4 = loopbackV4();
        v4.pop_back();
        assertRejected(v4, "truncated");
        Bytes v6 = loopbackV6(0x0017);
        v6.resize(16); // an IPv4-sized buffer claiming AF_INET6
        assertRejected(v6, "truncated");
    }

    void testUnknownFamilyIsRejected()
    {
        Bytes input = loopbackV4();
        input[0] = 0x00;
        input[1] = 0x02; // AF_INET written big-endian: not a Windows SOCKADDR
        assertRejected(input, "family");
        input[0] = 0x01; // AF_UNIX
        input[1] = 0x00;
        assertRejected(input, "family");
    }

    void testWrongLengthIsRejected()
    {
        Bytes v4 = loopbackV4();
        v4.push_back(0);
        assertRejected(v4, "length");
        Bytes v6 = loopbackV6(0x0017);
        v6.resize(128, 0); // a whole SOCKADDR_STORAGE
        assertRejected(v6, "length");
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PushAddressTest);
