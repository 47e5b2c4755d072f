// Fuzz target: the callback address of EcRRegisterPushNotification
// (client_module/push_address.hpp). The input is the address's wire bytes.
// Parsing must never crash; an accepted address must
//   - be laid out again, from the layout in push_address.hpp, into the
//     input's bytes (sin_zero aside, which is not checked),
//   - agree with the sockaddr handed to sendto(),
//   - format into text that inet_pton reads back to the same host, scope and
//     port.
#include "client_module/push_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

using namespace ocs;
using namespace ocs::client_module;

[[noreturn]] void fail(const char* what, const PushAddress& address)
{
    std::fprintf(stderr, "fuzz_push_address: %s (%s)\n", what, formatPushAddress(address).c_str());
    std::abort();
}

void putLittle(Bytes& out, std::uint32_t value, int size)
{
    for (int i = 0; i < size; ++i)
        out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

void putBig(Bytes& out, std::uint32_t value, int size)
{
    for (int i = size - 1; i >= 0; --i)
        out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

// SOCKADDR_IN / SOCKADDR_IN6 as the header describes them.
Bytes layOut(const PushAddress& address, std::uint16_t wireFamily)
{
    Bytes out;
    putLittle(out, wireFamily, 2);
    putBig(out, address.port, 2);
    if (address.family == PushFamily::IPv4) {
        out.insert(out.end(), address.address.begin(), address.address.end());
        out.resize(kSockaddrInSize, 0);
        return out;
    }
    putBig(out, address.flowInfo, 4);
    out.insert(out.end(), address.address.begin(), address.address.end());
    putLittle(out, address.scopeId, 4);
    return out;
}

void checkLayout(const std::uint8_t* data, std::size_t size, const PushAddress& address)
{
    const std::uint16_t wireFamily = static_cast<std::uint16_t>(data[0] | (data[1] << 8));
    const Bytes again = layOut(address, wireFamily);
    // IPv4: the eight bytes of sin_zero are not read.
    const std::size_t compared = address.family == PushFamily::IPv4 ? 8 : kSockaddrIn6Size;
    if (again.size() != size || std::memcmp(again.data(), data, compared) != 0)
        fail("laid out again, the address is not the input", address);
}

void checkSockaddr(const PushAddress& address)
{
    if (address.family == PushFamily::IPv4) {
        sockaddr_in sin{};
        std::memcpy(&sin, &address.sockaddr, sizeof sin);
        if (address.sockaddrLength != sizeof sin || sin.sin_family != AF_INET || ntohs(sin.sin_port) != address.port ||
            address.address.size() != 4 || std::memcmp(&sin.sin_addr, address.address.data(), 4) != 0)
            fail("sockaddr_in disagrees with the parsed fields", address);
        return;
    }
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, &address.sockaddr, sizeof sin6);
    if (address.sockaddrLength != sizeof sin6 || sin6.sin6_family != AF_INET6 ||
        ntohs(sin6.sin6_port) != address.port || ntohl(sin6.sin6_flowinfo) != address.flowInfo ||
        sin6.sin6_scope_id != address.scopeId || address.address.size() != 16 ||
        std::memcmp(&sin6.sin6_addr, address.address.data(), 16) != 0)
        fail("sockaddr_in6 disagrees with the parsed fields", address);
}

// "host:port" or "[host%scope]:port" back into its parts.
void checkText(const PushAddress& address)
{
    const std::string text = formatPushAddress(address);
    const bool v6 = address.family == PushFamily::IPv6;
    const std::size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 >= text.size())
        fail("formatted address has no port", address);
    std::string host = text.substr(0, colon);
    if (v6) {
        if (host.size() < 2 || host.front() != '[' || host.back() != ']')
            fail("formatted IPv6 address is not in brackets", address);
        host = host.substr(1, host.size() - 2);
    }
    std::uint32_t scope = 0;
    if (const std::size_t percent = host.find('%'); v6 && percent != std::string::npos) {
        scope = static_cast<std::uint32_t>(std::stoul(host.substr(percent + 1)));
        host.resize(percent);
    }
    std::uint8_t bytes[16] = {};
    if (inet_pton(v6 ? AF_INET6 : AF_INET, host.c_str(), bytes) != 1 ||
        std::memcmp(bytes, address.address.data(), address.address.size()) != 0)
        fail("formatted host does not read back", address);
    if (std::stoul(text.substr(colon + 1)) != address.port || scope != (v6 ? address.scopeId : 0))
        fail("formatted port or scope does not read back", address);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto parsed = parsePushAddress(ByteView(data, size));
    if (!parsed) {
        if (parsed.error().code != ErrorCode::InvalidParameter || parsed.error().field != "address")
            std::abort();
        return 0;
    }
    checkSockaddr(*parsed);
    checkLayout(data, size, *parsed);
    checkText(*parsed);
    return 0;
}
