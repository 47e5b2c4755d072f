#include "store/message_filter.hpp"

#include <algorithm>
#include <functional>

namespace ocs::store {
namespace {

constexpr std::size_t kBitsPerMessage = 20;
constexpr int kProbes = 14;
constexpr std::size_t kSmallestLayer = 1 << 16; // messages

struct Probes {
    std::uint64_t first;
    std::uint64_t step;
};

std::uint64_t mix(std::uint64_t z)
{
    // splitmix64's finaliser
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

Probes probesOf(std::string_view user, std::string_view uri)
{
    // Each part hashed on its own, without building "user<US>uri".
    const std::hash<std::string_view> hash;
    const std::uint64_t h = mix(hash(user) + 0x9e3779b97f4a7c15ull) ^ hash(uri);
    // A second, independent-enough hash for double hashing.
    return {h, mix(h + 0x9e3779b97f4a7c15ull) | 1};
}

// The i-th probe's bit in a layer of `size` bits.
std::uint64_t bitOf(const Probes& p, int i, std::uint64_t size)
{
    return (p.first + static_cast<std::uint64_t>(i) * p.step) % size;
}

} // namespace

MessageFilter::MessageFilter(std::size_t expectedMessages)
{
    addLayer(std::max(kSmallestLayer, expectedMessages * 2));
}

void MessageFilter::addLayer(std::size_t capacity)
{
    Layer layer;
    layer.capacity = capacity;
    layer.bits.assign((capacity * kBitsPerMessage + 63) / 64, 0);
    layers_.push_back(std::move(layer));
}

void MessageFilter::add(std::string_view user, std::string_view uri)
{
    if (layers_.back().count >= layers_.back().capacity)
        addLayer(layers_.back().capacity * 2);
    Layer& layer = layers_.back();
    const std::uint64_t size = layer.bits.size() * 64;
    const Probes p = probesOf(user, uri);
    for (int i = 0; i < kProbes; ++i) {
        const std::uint64_t bit = bitOf(p, i, size);
        layer.bits[bit / 64] |= std::uint64_t{1} << (bit % 64);
    }
    ++layer.count;
}

bool MessageFilter::mayContain(std::string_view user, std::string_view uri) const
{
    const Probes p = probesOf(user, uri);
    return std::any_of(layers_.begin(), layers_.end(), [&](const Layer& layer) {
        const std::uint64_t size = layer.bits.size() * 64;
        for (int i = 0; i < kProbes; ++i) {
            const std::uint64_t bit = bitOf(p, i, size);
            if (!(layer.bits[bit / 64] & (std::uint64_t{1} << (bit % 64))))
                return false;
        }
        return true;
    });
}

std::size_t MessageFilter::bytes() const
{
    std::size_t total = 0;
    for (const Layer& layer : layers_)
        total += layer.bits.size() * sizeof(std::uint64_t);
    return total;
}

} // namespace ocs::store
