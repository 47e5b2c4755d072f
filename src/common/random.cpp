#include "common/random.hpp"

#include "common/encoding.hpp"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <limits>

namespace ocs {

Bytes randomBytes(std::size_t count)
{
    Bytes out(count);
    if (count > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
        RAND_bytes(out.data(), static_cast<int>(count)) != 1) {
        std::fputs("ocsmanager: fatal: the random generator failed\n", stderr);
        std::abort();
    }
    return out;
}

std::string randomToken(std::size_t bytes)
{
    return base64UrlEncode(randomBytes(bytes));
}

} // namespace ocs
