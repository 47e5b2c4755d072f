#include "store/duplicate_window.hpp"

#include "common/digest.hpp"

#include <algorithm>

namespace ocs::store {
namespace {

// A generation also ends when it has been the newest for this share of the
// window, so that the window ends within 1/64 of its duration.
constexpr int kGenerationsPerWindow = 64;

} // namespace

std::uint64_t messageDigest(std::string_view uri)
{
    const Digest digest = sha256(ByteView(reinterpret_cast<const std::uint8_t*>(uri.data()), uri.size()));
    std::uint64_t out = 0;
    for (int i = 0; i < 8; ++i)
        out = (out << 8) | digest[static_cast<std::size_t>(i)];
    return out;
}

DuplicateWindow::DuplicateWindow(DuplicateWindowOptions options) : options_(options) {}

bool DuplicateWindow::contains(std::uint64_t digest) const
{
    return digests_.count(digest) != 0;
}

void DuplicateWindow::drop()
{
    for (std::uint64_t digest : generations_.front().digests)
        digests_.erase(digest);
    expired_.push_back(generations_.front().number);
    generations_.pop_front();
}

void DuplicateWindow::expire(std::int64_t nowMs)
{
    const std::int64_t oldest =
        nowMs - std::chrono::duration_cast<std::chrono::milliseconds>(options_.duration).count();
    while (!generations_.empty() && generations_.front().lastMs < oldest)
        drop();
    while (generations_.size() > 1 && digests_.size() > options_.maxMessages)
        drop();
}

DuplicateWindow::Turn DuplicateWindow::begin(std::int64_t nowMs)
{
    expire(nowMs);
    const std::int64_t span =
        std::chrono::duration_cast<std::chrono::milliseconds>(options_.duration).count() / kGenerationsPerWindow;
    Turn turn;
    turn.expired = expired_;
    const bool current = !generations_.empty() && generations_.back().digests.size() < kGenerationSize &&
                         generations_.back().firstMs >= nowMs - span;
    turn.generation = current ? generations_.back().number : nextNumber_;
    return turn;
}

void DuplicateWindow::commit(const Turn& turn, const std::vector<std::uint64_t>& digests, std::int64_t nowMs)
{
    expired_.erase(std::remove_if(expired_.begin(), expired_.end(),
                                  [&](std::uint64_t number) {
                                      return std::find(turn.expired.begin(), turn.expired.end(), number) !=
                                             turn.expired.end();
                                  }),
                   expired_.end());
    if (digests.empty())
        return;
    if (generations_.empty() || generations_.back().number != turn.generation) {
        generations_.push_back({turn.generation, nowMs, nowMs, {}});
        nextNumber_ = std::max(nextNumber_, turn.generation + 1);
    }
    Held& generation = generations_.back();
    generation.lastMs = std::max(generation.lastMs, nowMs);
    for (std::uint64_t digest : digests) {
        generation.digests.push_back(digest);
        digests_.insert(digest);
    }
}

void DuplicateWindow::load(Generation generation)
{
    nextNumber_ = std::max(nextNumber_, generation.number + 1);
    for (std::uint64_t digest : generation.digests)
        digests_.insert(digest);
    const auto place = std::find_if(generations_.begin(), generations_.end(),
                                    [&](const Held& held) { return held.number > generation.number; });
    generations_.insert(place,
                        Held{generation.number, generation.firstMs, generation.lastMs, std::move(generation.digests)});
}

} // namespace ocs::store
