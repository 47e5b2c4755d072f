#include "client_module/watch.hpp"

#include "common/encoding.hpp"
#include "common/random.hpp"
#include "queue/matching.hpp"

#include <algorithm>
#include <map>
#include <vector>

namespace ocs::client_module {
namespace {

// Entries looked at per queue for one answer: as many as one drain reads.
constexpr std::size_t kEntriesPerQueue = 512;

} // namespace

Result<std::unique_ptr<Watch>> Watch::open(StateHandle& state, const std::string& user, const std::string& session)
{
    if (!store::isValidSessionId(session))
        return makeError(ErrorCode::InvalidParameter, "session", "a session id is 1 to 64 of A-Z a-z 0-9 . _ -");
    auto subscriptions = state.registry->subscriptions(user);
    if (!subscriptions)
        return subscriptions.error();
    if (std::none_of(subscriptions->begin(), subscriptions->end(),
                     [&](const store::Subscription& s) { return s.session == session; }))
        return std::unique_ptr<Watch>();
    std::string token = hexEncode(randomBytes(8));
    auto wake = store::WakeSocket::bindWatcher(state.directory, session, token);
    if (!wake)
        return wake.error();
    // Registered once its socket exists: the daemon never sends into nothing.
    if (Status added = state.registry->addWatcher(session, token); !added)
        return added.error();
    std::unique_ptr<Watch> watch(new Watch(state, user, session, std::move(token), std::move(*wake)));
    if (auto armed = watch->rearm(); !armed)
        return armed.error();
    return watch;
}

Watch::~Watch()
{
    [[maybe_unused]] auto removed = state_.registry->removeWatcher(session_, token_);
}

Result<bool> Watch::rearm()
{
    // Clear first, look next: whatever is queued after the look wakes again.
    wake_.clear();
    auto waiting = pending();
    if (!waiting)
        return waiting.error();
    if (*waiting)
        wake_.signal();
    return *waiting;
}

Result<bool> Watch::pending()
{
    auto subscriptions = state_.registry->subscriptions(user_);
    if (!subscriptions)
        return subscriptions.error();
    std::map<store::QueueKey, std::vector<store::Subscription>> queues;
    for (const store::Subscription& s : *subscriptions) {
        if (s.session == session_)
            queues[store::queueOf(user_, s)].push_back(s);
    }
    for (const auto& [queue, wanting] : queues) {
        auto cursor = state_.registry->cursor(session_, queue);
        if (!cursor)
            return cursor.error();
        if (!*cursor)
            continue; // never read: it starts at the end
        auto read = state_.queues->slice(queue, **cursor, kEntriesPerQueue);
        if (!read)
            return read.error();
        // Behind the window or past its end: the session is owed "missed events".
        if (**cursor < read->window.first || **cursor > read->window.next)
            return true;
        for (const store::QueueEntry& entry : read->entries) {
            if (std::any_of(wanting.begin(), wanting.end(),
                            [&](const store::Subscription& s) { return queue::wants(s, entry); }))
                return true;
        }
    }
    return false;
}

} // namespace ocs::client_module
