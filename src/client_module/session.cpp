#include "client_module/session.hpp"

#include "client_module/push_address.hpp"
#include "client_module/rop_notify.hpp"
#include "common/encoding.hpp"
#include "common/random.hpp"
#include "common/text.hpp"
#include "queue/matching.hpp"

#include <algorithm>
#include <map>
#include <tuple>
#include <vector>

namespace ocs::client_module {
namespace {

// Entries read per queue and drain: bounds one call's work; the rest waits
// for the next call (the descriptor stays readable).
constexpr std::size_t kEntriesPerQueue = 512;

// One thing to hand out: a queue entry, or the missed-events signal of a
// queue (no entry).
struct Pending {
    std::size_t queue = 0;
    std::optional<store::QueueEntry> entry;
    std::uint64_t nextCursor = 0;

    auto order() const
    {
        return std::make_tuple(entry ? entry->timeMs : INT64_MIN, queue, entry ? entry->sequence : 0);
    }
};

struct QueueView {
    store::QueueKey key;
    std::vector<store::Subscription> subscriptions;
    std::uint64_t cursor = 0;
    bool cursorChanged = false;
};

std::vector<QueueView> queuesOf(const std::string& user, const std::string& session,
                                const std::vector<store::Subscription>& all)
{
    std::vector<QueueView> views;
    for (const store::Subscription& s : all) {
        if (s.session != session)
            continue;
        const store::QueueKey key = store::queueOf(user, s);
        auto found = std::find_if(views.begin(), views.end(), [&](const QueueView& v) { return v.key == key; });
        if (found == views.end())
            found = views.insert(views.end(), QueueView{key, {}, 0, false});
        found->subscriptions.push_back(s);
    }
    return views;
}

// Whether OpenChange's index gave the entry every message id it needs: an
// entry about a message OpenChange never indexed, which the event could not
// give an id (a change, a deletion, or the source of a move or copy), can
// only be told to a table, as "re-read".
bool resolved(const store::QueueEntry& entry)
{
    if (entry.kind != store::ObjectKind::Message)
        return true;
    return entry.mid != 0 && (!isMoveOrCopy(entry.type) || entry.oldMid != 0);
}

// The notifications one pending item gives one subscription of its queue.
std::vector<NotificationData> notificationsOf(const Pending& item, const store::Subscription& s)
{
    if (!item.entry)
        return {tableChanged()};
    if (!queue::wants(s, *item.entry))
        return {};
    if (!resolved(*item.entry))
        return s.table == store::TableType::None ? std::vector<NotificationData>{}
                                                 : std::vector<NotificationData>{tableChanged()};
    return notificationsFor(*item.entry, s);
}

// The RopNotify responses one pending item gives the session, and how many.
std::pair<std::string, std::size_t> encode(const Pending& item, const QueueView& queue, std::uint8_t logonId)
{
    std::string out;
    std::size_t count = 0;
    for (const store::Subscription& s : queue.subscriptions) {
        for (const NotificationData& data : notificationsOf(item, s)) {
            out += encodeRopNotify(s.handle, logonId, data);
            ++count;
        }
    }
    return {out, count};
}

// Asks the resolver, once for all, for OpenChange's ids of the messages the
// pending entries name, and writes them into the entries.
Status resolveIds(IdResolver& resolver, const std::string& user, std::vector<Pending>& pending)
{
    std::vector<MessageLookup> lookups;
    std::map<std::string, std::size_t> index; // URI -> its lookup
    auto ask = [&](const std::string& uri, bool allocate) {
        if (uri.empty())
            return;
        auto [found, added] = index.emplace(uri, lookups.size());
        if (added)
            lookups.push_back({uri, allocate, std::nullopt});
        else
            lookups[found->second].allocate = lookups[found->second].allocate || allocate;
    };
    for (const Pending& item : pending) {
        if (!item.entry || item.entry->kind != store::ObjectKind::Message)
            continue;
        ask(item.entry->messageUri, bringsMessage(item.entry->type));
        if (isMoveOrCopy(item.entry->type))
            ask(item.entry->oldMessageUri, false);
    }
    if (lookups.empty())
        return {};
    if (Status asked = resolver.resolve(user, lookups); !asked)
        return asked;
    auto idOf = [&](const std::string& uri) -> store::Mid {
        auto found = index.find(uri);
        return found == index.end() ? 0 : lookups[found->second].mid.value_or(0);
    };
    for (Pending& item : pending) {
        if (!item.entry || item.entry->kind != store::ObjectKind::Message)
            continue;
        item.entry->mid = idOf(item.entry->messageUri);
        item.entry->oldMid = isMoveOrCopy(item.entry->type) ? idOf(item.entry->oldMessageUri) : 0;
    }
    return {};
}

} // namespace

Result<std::unique_ptr<StateHandle>> StateHandle::open(const std::filesystem::path& directory)
{
    auto registry = store::Registry::open(directory);
    if (!registry)
        return registry.error();
    // Written by the daemon only; opened writable so that a module started
    // before the daemon creates it with the daemon's layout.
    auto queues = store::QueueStore::open(directory);
    if (!queues)
        return queues.error();
    auto handle = std::make_unique<StateHandle>();
    handle->directory = directory;
    handle->registry = std::move(*registry);
    handle->queues = std::move(*queues);
    return handle;
}

Result<std::unique_ptr<Session>> Session::open(StateHandle& state, const std::string& user, std::string id)
{
    if (Status valid = validateField("user", user, 256); !valid)
        return valid.error();
    if (id.empty())
        id = hexEncode(randomBytes(16));
    if (!store::isValidSessionId(id))
        return makeError(ErrorCode::InvalidParameter, "session", "a session id is 1 to 64 of A-Z a-z 0-9 . _ -");
    auto wake = store::WakeSocket::bind(state.directory, id);
    if (!wake)
        return wake.error();
    std::unique_ptr<Session> session(new Session(state, user, std::move(id), std::move(*wake)));
    // A reopened session may have entries waiting since before it went away.
    session->wake_.signal();
    return session;
}

Result<bool> Session::subscribe(const store::Subscription& requested)
{
    store::Subscription subscription = requested;
    subscription.session = id_;
    if (subscription.table != store::TableType::None && subscription.fid == 0)
        return makeError(ErrorCode::InvalidParameter, "fid", "a table subscription needs its folder");
    if (subscription.mid != 0 && subscription.fid == 0)
        return makeError(ErrorCode::InvalidParameter, "fid", "a message subscription needs its folder");
    if (subscription.mid != 0) {
        // Entries name messages by URI: OpenChange's index says which.
        auto uri = state_.resolver->messageUri(user_, subscription.mid);
        if (!uri)
            return uri.error();
        if (!*uri)
            return false; // OpenChange's index has no message with this id
        subscription.messageUri = std::move(**uri);
    }
    // Start at the queue's end: what was queued before is not for us. A
    // resumed session keeps the cursor it has.
    auto position = state_.queues->state(store::queueOf(user_, subscription));
    if (!position)
        return position.error();
    if (Status subscribed = state_.registry->subscribe(user_, subscription, position->next); !subscribed)
        return subscribed.error();
    return true;
}

Result<bool> Session::unsubscribe(std::uint32_t handle)
{
    return state_.registry->unsubscribe(user_, id_, handle);
}

Status Session::rearmPush()
{
    auto push = state_.registry->push(id_);
    if (!push)
        return push.error();
    if (!*push || (*push)->armed)
        return {};
    return state_.registry->armPush(id_);
}

Result<Drained> Session::drain(std::uint8_t logonId, std::size_t capacity)
{
    // Clear first, re-arm the push next, read last: whatever is queued after
    // this point wakes (and pushes) again.
    wake_.clear();
    if (Status armed = rearmPush(); !armed)
        return armed.error();
    auto subscriptions = state_.registry->subscriptions(user_);
    if (!subscriptions)
        return subscriptions.error();
    std::vector<QueueView> queues = queuesOf(user_, id_, *subscriptions);

    Drained drained;
    std::vector<Pending> pending;
    for (std::size_t q = 0; q < queues.size(); ++q) {
        QueueView& view = queues[q];
        auto cursor = state_.registry->cursor(id_, view.key);
        if (!cursor)
            return cursor.error();
        // One read gives the window and the entries from the cursor on; a
        // session without a cursor starts at the end and reads nothing.
        auto read = state_.queues->slice(view.key, cursor->value_or(UINT64_MAX), kEntriesPerQueue);
        if (!read)
            return read.error();
        const store::QueueState& window = read->window;
        view.cursor = cursor->value_or(window.next);
        view.cursorChanged = !*cursor;
        if (view.cursor < window.first) {
            pending.push_back({q, std::nullopt, window.first});
        } else if (view.cursor > window.next) {
            // The cursor was moved along another history of the queue
            // (store.tdb restored from an older copy, or replaced): what the
            // session has missed is unknown. It is told it missed events and
            // goes on from the queue's end.
            pending.push_back({q, std::nullopt, window.next});
        }
        drained.more = drained.more || read->entries.size() == kEntriesPerQueue;
        for (store::QueueEntry& entry : read->entries) {
            const std::uint64_t next = entry.sequence + 1;
            pending.push_back({q, std::move(entry), next});
        }
    }
    std::stable_sort(pending.begin(), pending.end(),
                     [](const Pending& a, const Pending& b) { return a.order() < b.order(); });
    if (Status ids = resolveIds(*state_.resolver, user_, pending); !ids)
        return ids.error();

    for (const Pending& item : pending) {
        QueueView& view = queues[item.queue];
        const auto [bytes, count] = encode(item, view, logonId);
        if (drained.bytes.size() + bytes.size() > capacity) {
            if (drained.bytes.empty())
                return makeError(ErrorCode::PayloadTooLarge, "buffer",
                                 "the next notification needs " + std::to_string(bytes.size()) + " bytes");
            drained.more = true;
            break;
        }
        drained.bytes += bytes;
        drained.count += count;
        view.cursor = item.nextCursor;
        view.cursorChanged = true;
    }

    std::vector<std::pair<store::QueueKey, std::uint64_t>> cursors;
    for (const QueueView& view : queues) {
        if (view.cursorChanged)
            cursors.emplace_back(view.key, view.cursor);
    }
    if (!cursors.empty()) {
        if (Status saved = state_.registry->setCursors(id_, cursors); !saved)
            return saved.error();
    }
    if (drained.more)
        wake_.signal();
    return drained;
}

Result<std::uint32_t> Session::registerPush(ByteView context, ByteView address)
{
    // One UDP datagram carries it.
    constexpr std::size_t kMaxContext = 1024;
    if (context.size() > kMaxContext)
        return makeError(ErrorCode::InvalidParameter, "context", "push context over 1024 bytes");
    auto parsed = parsePushAddress(address);
    if (!parsed)
        return parsed.error();
    store::PushRegistration registration;
    registration.user = user_;
    registration.context = toString(context);
    registration.family = parsed->family == PushFamily::IPv6 ? 6 : 4;
    registration.port = parsed->port;
    registration.address = toString(parsed->address);
    return state_.registry->registerPush(id_, std::move(registration));
}

Result<bool> Session::unregisterPush(std::uint32_t handle)
{
    return state_.registry->unregisterPush(id_, handle);
}

Status Session::close()
{
    return state_.registry->closeSession(user_, id_);
}

} // namespace ocs::client_module
