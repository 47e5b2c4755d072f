#include "daemon/request_id.hpp"

#include "common/random.hpp"

#include <cstdio>

namespace ocs::daemon {
namespace {

std::uint64_t randomStart()
{
    std::uint64_t start = 0;
    for (std::uint8_t byte : randomBytes(sizeof start))
        start = start << 8 | byte;
    return start;
}

} // namespace

RequestIds::RequestIds() : next_(randomStart()) {}

std::string RequestIds::next()
{
    const std::uint64_t id = next_.fetch_add(1, std::memory_order_relaxed);
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(id));
    return text;
}

} // namespace ocs::daemon
