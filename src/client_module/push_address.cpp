#include "client_module/push_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace ocs::client_module {
namespace {

Error invalidAddress(std::string detail)
{
    return makeError(ErrorCode::InvalidParameter, "address", std::move(detail));
}

std::uint16_t littleEndian16(const std::uint8_t* p)
{
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}

std::uint16_t bigEndian16(const std::uint8_t* p)
{
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

std::uint32_t littleEndian32(const std::uint8_t* p)
{
    return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}

std::uint32_t bigEndian32(const std::uint8_t* p)
{
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

PushAddress ipv4(const std::uint8_t* p)
{
    PushAddress out;
    out.family = PushFamily::IPv4;
    out.port = bigEndian16(p + 2);
    out.address.assign(p + 4, p + 8);

    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(out.port);
    std::memcpy(&sin.sin_addr, p + 4, 4);
    std::memcpy(&out.sockaddr, &sin, sizeof sin);
    out.sockaddrLength = sizeof sin;
    return out;
}

PushAddress ipv6(const std::uint8_t* p)
{
    PushAddress out;
    out.family = PushFamily::IPv6;
    out.port = bigEndian16(p + 2);
    out.flowInfo = bigEndian32(p + 4);
    out.address.assign(p + 8, p + 24);
    out.scopeId = littleEndian32(p + 24);

    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(out.port);
    sin6.sin6_flowinfo = htonl(out.flowInfo);
    std::memcpy(&sin6.sin6_addr, p + 8, 16);
    sin6.sin6_scope_id = out.scopeId;
    std::memcpy(&out.sockaddr, &sin6, sizeof sin6);
    out.sockaddrLength = sizeof sin6;
    return out;
}

} // namespace

Result<PushAddress> parsePushAddress(ByteView wire)
{
    if (wire.size() < 2)
        return invalidAddress("callback address truncated: " + std::to_string(wire.size()) +
                              " bytes, no address family");
    const std::uint16_t family = littleEndian16(wire.data());
    std::size_t expected = 0;
    if (family == kWireAfInet)
        expected = kSockaddrInSize;
    else if (family == kWireAfInet6Windows || family == kWireAfInet6Linux)
        expected = kSockaddrIn6Size;
    else
        return invalidAddress("callback address family " + std::to_string(family) +
                              " is neither AF_INET (2) nor AF_INET6 (23, or 10)");
    if (wire.size() < expected)
        return invalidAddress("callback address truncated: " + std::to_string(wire.size()) + " bytes, family " +
                              std::to_string(family) + " needs " + std::to_string(expected));
    if (wire.size() != expected)
        return invalidAddress("callback address has the wrong length: " + std::to_string(wire.size()) +
                              " bytes, family " + std::to_string(family) + " needs " + std::to_string(expected));
    return expected == kSockaddrInSize ? ipv4(wire.data()) : ipv6(wire.data());
}

std::string formatPushAddress(const PushAddress& address)
{
    char text[INET6_ADDRSTRLEN] = {};
    if (address.family == PushFamily::IPv4) {
        if (address.address.size() != 4 || !inet_ntop(AF_INET, address.address.data(), text, sizeof text))
            return "?";
        return std::string(text) + ":" + std::to_string(address.port);
    }
    if (address.address.size() != 16 || !inet_ntop(AF_INET6, address.address.data(), text, sizeof text))
        return "?";
    std::string host = text;
    if (address.scopeId != 0)
        host += "%" + std::to_string(address.scopeId);
    return "[" + host + "]:" + std::to_string(address.port);
}

} // namespace ocs::client_module
