// The callback address of EcRRegisterPushNotification ([MS-OXCRPC] 3.1.4.5,
// rgbCallbackAddress / cbCallbackAddress): a Windows SOCKADDR as the client
// laid it out, parsed field by field into something sendto() takes.
//
// [MS-OXCNOTIF] 3.1.5.4: the server MUST fail the call if the address is not
// a valid SOCKADDR, and SHOULD support AF_INET and AF_INET6.
//
//   AF_INET, 16 bytes (SOCKADDR_IN):
//     family   2 bytes little-endian, 0x0002
//     port     2 bytes big-endian (network order)
//     address  4 bytes
//     zero     8 bytes (sin_zero; not checked, Windows does not either)
//   AF_INET6, 28 bytes (SOCKADDR_IN6):
//     family   2 bytes little-endian, 0x0017 (Windows' AF_INET6 = 23); the
//              Linux value 0x000A (10) is accepted too, for clients or test
//              tools that built the structure with a Linux header
//     port     2 bytes big-endian
//     flowinfo 4 bytes, kept as sent (network order, as on both systems)
//     address  16 bytes
//     scope id 4 bytes little-endian (a host-order ULONG on Windows)
//
// The length must be exactly that of the family's structure.
#pragma once

#include "common/bytes.hpp"
#include "common/result.hpp"

#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace ocs::client_module {

enum class PushFamily : std::uint8_t { IPv4, IPv6 };

inline constexpr std::uint16_t kWireAfInet = 0x0002;
inline constexpr std::uint16_t kWireAfInet6Windows = 0x0017;
inline constexpr std::uint16_t kWireAfInet6Linux = 0x000A;
inline constexpr std::size_t kSockaddrInSize = 16;
inline constexpr std::size_t kSockaddrIn6Size = 28;

struct PushAddress {
    PushFamily family = PushFamily::IPv4;
    std::uint16_t port = 0;     // host order
    Bytes address;              // 4 or 16 bytes, network order
    std::uint32_t flowInfo = 0; // IPv6: as the 4 wire bytes read big-endian
    // IPv6: the client's interface index. It names an interface of the
    // client's host, so it only helps for a link-local address on a link
    // both share; it is passed on to sendto() as given.
    std::uint32_t scopeId = 0;
    sockaddr_storage sockaddr{}; // ready for sendto()
    socklen_t sockaddrLength = 0;
};

// InvalidParameter, field "address", for input shorter than the family field
// or than its structure, an unknown family, or a length that is not the
// structure's.
Result<PushAddress> parsePushAddress(ByteView wire);

// "127.0.0.1:5000", "[::1]:5000", "[fe80::1%2]:5000" (scope id when non-zero).
std::string formatPushAddress(const PushAddress& address);

} // namespace ocs::client_module
