#include "store/registry.hpp"

#include <tdb.h>

#include <algorithm>
#include <mutex>

namespace ocs::store {
namespace {

constexpr std::string_view kFileName = "registry.tdb";

std::vector<std::string_view> splitKey(std::string_view key)
{
    std::vector<std::string_view> parts;
    for (auto at = key.find(keys::kSeparator); at != std::string_view::npos; at = key.find(keys::kSeparator)) {
        parts.push_back(key.substr(0, at));
        key.remove_prefix(at + 1);
    }
    parts.push_back(key);
    return parts;
}

} // namespace

struct Registry::Impl {
    explicit Impl(TdbFile tdb) : file(std::move(tdb)) {}

    std::mutex mutex;
    TdbFile file;

    // Reads a record and decodes it; `empty` when the key is absent.
    template <typename T, typename Decode> Result<T> load(const std::string& key, Decode decode, T empty)
    {
        auto record = file.fetch(key);
        if (!record)
            return record.error();
        if (!*record)
            return empty;
        return decode(**record, key);
    }

    // Runs `change` inside a transaction: other processes see all of it or
    // nothing, and no read-modify-write of theirs interleaves.
    Status transact(const std::function<Status()>& change) { return file.transact(change); }

    // A cursor lives as long as its session has a subscription on its queue.
    Status dropCursorIfOrphaned(const std::string& user, const Subscription& gone,
                                const std::vector<Subscription>& remaining)
    {
        const QueueKey queue = queueOf(user, gone);
        const bool stillUsed = std::any_of(remaining.begin(), remaining.end(), [&](const Subscription& s) {
            return s.session == gone.session && queueOf(user, s) == queue;
        });
        if (stillUsed)
            return {};
        auto removed = file.remove(keys::cursor(gone.session, queue));
        if (!removed)
            return removed.error();
        return {};
    }

    Status storeOrRemove(const std::string& key, bool keep, const std::string& value)
    {
        if (keep)
            return file.store(key, value, TdbFile::StoreMode::Replace);
        auto removed = file.remove(key);
        if (!removed)
            return removed.error();
        return {};
    }
};

Registry::Registry(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Registry::~Registry() = default;

Result<std::unique_ptr<Registry>> Registry::open(const std::filesystem::path& stateDirectory, Access access)
{
    auto file = openStateFile(stateDirectory, kFileName, access, TDB_DEFAULT, kLargeHashSize);
    if (!file)
        return file.error();
    return std::unique_ptr<Registry>(new Registry(std::make_unique<Impl>(std::move(*file))));
}

Status Registry::bind(const std::string& user, const std::string& backend, const std::string& backendUser)
{
    const std::lock_guard lock(impl_->mutex);
    const std::string key = keys::binding(backend, backendUser);
    return impl_->transact([&]() -> Status {
        auto holders = impl_->load(key, decodeBindings, std::vector<BindingHolder>());
        if (!holders)
            return holders.error();
        auto found =
            std::find_if(holders->begin(), holders->end(), [&](const BindingHolder& h) { return h.user == user; });
        if (found == holders->end())
            holders->push_back({user, 1});
        else
            ++found->references;
        return impl_->file.store(key, encodeBindings(*holders), TdbFile::StoreMode::Replace);
    });
}

Result<bool> Registry::unbind(const std::string& user, const std::string& backend, const std::string& backendUser)
{
    const std::lock_guard lock(impl_->mutex);
    const std::string key = keys::binding(backend, backendUser);
    bool wasBound = false;
    Status status = impl_->transact([&]() -> Status {
        auto holders = impl_->load(key, decodeBindings, std::vector<BindingHolder>());
        if (!holders)
            return holders.error();
        auto found =
            std::find_if(holders->begin(), holders->end(), [&](const BindingHolder& h) { return h.user == user; });
        if (found == holders->end())
            return {};
        wasBound = true;
        if (--found->references == 0)
            holders->erase(found);
        return impl_->storeOrRemove(key, !holders->empty(), encodeBindings(*holders));
    });
    if (!status)
        return status.error();
    return wasBound;
}

Result<std::vector<std::string>> Registry::usersBoundTo(const std::string& backend, const std::string& backendUser)
{
    const std::lock_guard lock(impl_->mutex);
    auto holders = impl_->load(keys::binding(backend, backendUser), decodeBindings, std::vector<BindingHolder>());
    if (!holders)
        return holders.error();
    std::vector<std::string> users;
    for (const BindingHolder& holder : *holders)
        users.push_back(holder.user);
    return users;
}

Status Registry::mapFolder(const std::string& user, const std::string& uri, Fid fid)
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->transact([&]() -> Status {
        // A URI mapped before to another id: that id no longer names it.
        const std::string byUri = keys::folderByUri(user, uri);
        auto previous = impl_->load(byUri, decodeNumber, std::uint64_t{0});
        if (!previous)
            return previous.error();
        if (*previous != 0 && *previous != fid) {
            if (auto removed = impl_->file.remove(keys::folderById(user, *previous)); !removed)
                return removed.error();
        }
        if (Status stored = impl_->file.store(byUri, encodeNumber(fid), TdbFile::StoreMode::Replace); !stored)
            return stored;
        return impl_->file.store(keys::folderById(user, fid), uri, TdbFile::StoreMode::Replace);
    });
}

Result<std::optional<Fid>> Registry::folderId(const std::string& user, const std::string& uri)
{
    const std::lock_guard lock(impl_->mutex);
    auto fid = impl_->load(keys::folderByUri(user, uri), decodeNumber, std::uint64_t{0});
    if (!fid)
        return fid.error();
    return *fid == 0 ? std::nullopt : std::optional<Fid>(*fid);
}

Result<std::optional<std::string>> Registry::folderUri(const std::string& user, Fid fid)
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->file.fetch(keys::folderById(user, fid));
}

Status Registry::subscribe(const std::string& user, const Subscription& subscription,
                           std::optional<std::uint64_t> startAt)
{
    const std::lock_guard lock(impl_->mutex);
    const std::string key = keys::subscriptions(user);
    return impl_->transact([&]() -> Status {
        if (startAt) {
            const std::string cursor = keys::cursor(subscription.session, queueOf(user, subscription));
            auto existing = impl_->file.fetch(cursor);
            if (!existing)
                return existing.error();
            if (!*existing) {
                if (Status s = impl_->file.store(cursor, encodeNumber(*startAt), TdbFile::StoreMode::Insert); !s)
                    return s;
            }
        }
        auto list = impl_->load(key, decodeSubscriptions, std::vector<Subscription>());
        if (!list)
            return list.error();
        const auto replaced = std::find_if(list->begin(), list->end(), [&](const Subscription& s) {
            return s.session == subscription.session && s.handle == subscription.handle;
        });
        std::optional<Subscription> previous;
        if (replaced != list->end()) {
            previous = *replaced;
            list->erase(replaced);
        }
        list->push_back(subscription);
        if (previous) {
            if (Status dropped = impl_->dropCursorIfOrphaned(user, *previous, *list); !dropped)
                return dropped;
        }
        return impl_->file.store(key, encodeSubscriptions(*list), TdbFile::StoreMode::Replace);
    });
}

Result<bool> Registry::unsubscribe(const std::string& user, const std::string& session, std::uint32_t handle)
{
    const std::lock_guard lock(impl_->mutex);
    const std::string key = keys::subscriptions(user);
    bool removed = false;
    Status status = impl_->transact([&]() -> Status {
        auto list = impl_->load(key, decodeSubscriptions, std::vector<Subscription>());
        if (!list)
            return list.error();
        const auto found = std::find_if(list->begin(), list->end(), [&](const Subscription& s) {
            return s.session == session && s.handle == handle;
        });
        if (found == list->end())
            return {};
        removed = true;
        const Subscription gone = *found;
        list->erase(found);
        if (Status dropped = impl_->dropCursorIfOrphaned(user, gone, *list); !dropped)
            return dropped;
        return impl_->storeOrRemove(key, !list->empty(), encodeSubscriptions(*list));
    });
    if (!status)
        return status.error();
    return removed;
}

Result<std::vector<Subscription>> Registry::subscriptions(const std::string& user)
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->load(keys::subscriptions(user), decodeSubscriptions, std::vector<Subscription>());
}

Status Registry::closeSession(const std::string& user, const std::string& session)
{
    const std::lock_guard lock(impl_->mutex);
    const std::string key = keys::subscriptions(user);
    return impl_->transact([&]() -> Status {
        auto list = impl_->load(key, decodeSubscriptions, std::vector<Subscription>());
        if (!list)
            return list.error();
        for (const Subscription& s : *list) {
            if (s.session != session)
                continue;
            if (auto removed = impl_->file.remove(keys::cursor(session, queueOf(user, s))); !removed)
                return removed.error();
        }
        list->erase(
            std::remove_if(list->begin(), list->end(), [&](const Subscription& s) { return s.session == session; }),
            list->end());
        for (const std::string& gone : {keys::push(session), keys::watchers(session)}) {
            if (auto removed = impl_->file.remove(gone); !removed)
                return removed.error();
        }
        return impl_->storeOrRemove(key, !list->empty(), encodeSubscriptions(*list));
    });
}

Status Registry::addWatcher(const std::string& session, const std::string& token)
{
    const std::lock_guard lock(impl_->mutex);
    const std::string key = keys::watchers(session);
    return impl_->transact([&]() -> Status {
        auto tokens = impl_->load(key, decodeWatchers, std::vector<std::string>());
        if (!tokens)
            return tokens.error();
        if (std::find(tokens->begin(), tokens->end(), token) == tokens->end())
            tokens->push_back(token);
        return impl_->file.store(key, encodeWatchers(*tokens), TdbFile::StoreMode::Replace);
    });
}

Result<bool> Registry::removeWatcher(const std::string& session, const std::string& token)
{
    const std::lock_guard lock(impl_->mutex);
    const std::string key = keys::watchers(session);
    bool removed = false;
    Status status = impl_->transact([&]() -> Status {
        auto tokens = impl_->load(key, decodeWatchers, std::vector<std::string>());
        if (!tokens)
            return tokens.error();
        const auto kept = std::remove(tokens->begin(), tokens->end(), token);
        removed = kept != tokens->end();
        tokens->erase(kept, tokens->end());
        return removed ? impl_->storeOrRemove(key, !tokens->empty(), encodeWatchers(*tokens)) : Status();
    });
    if (!status)
        return status.error();
    return removed;
}

Result<std::vector<std::string>> Registry::watchers(const std::string& session)
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->load(keys::watchers(session), decodeWatchers, std::vector<std::string>());
}

Status Registry::setCursors(const std::string& session, const std::vector<std::pair<QueueKey, std::uint64_t>>& cursors)
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->transact([&]() -> Status {
        for (const auto& [queue, next] : cursors) {
            if (Status s =
                    impl_->file.store(keys::cursor(session, queue), encodeNumber(next), TdbFile::StoreMode::Replace);
                !s)
                return s;
        }
        return {};
    });
}

Result<std::uint32_t> Registry::registerPush(const std::string& session, PushRegistration registration)
{
    const std::lock_guard lock(impl_->mutex);
    Status status = impl_->transact([&]() -> Status {
        auto last = impl_->load(keys::pushHandleCounter(), decodeNumber, std::uint64_t{0});
        if (!last)
            return last.error();
        registration.handle = static_cast<std::uint32_t>(*last % 0xffffffffULL) + 1;
        registration.armed = true;
        if (Status s = impl_->file.store(keys::pushHandleCounter(), encodeNumber(registration.handle),
                                         TdbFile::StoreMode::Replace);
            !s)
            return s;
        return impl_->file.store(keys::push(session), encodePush(registration), TdbFile::StoreMode::Replace);
    });
    if (!status)
        return status.error();
    return registration.handle;
}

Result<bool> Registry::unregisterPush(const std::string& session, std::uint32_t handle)
{
    const std::lock_guard lock(impl_->mutex);
    bool removed = false;
    Status status = impl_->transact([&]() -> Status {
        auto push = impl_->load(keys::push(session), decodePush, PushRegistration{});
        if (!push)
            return push.error();
        if (push->handle != handle || handle == 0)
            return {};
        removed = true;
        auto gone = impl_->file.remove(keys::push(session));
        return gone ? Status() : Status(gone.error());
    });
    if (!status)
        return status.error();
    return removed;
}

Result<std::optional<PushRegistration>> Registry::push(const std::string& session)
{
    const std::lock_guard lock(impl_->mutex);
    auto push = impl_->load(keys::push(session), decodePush, PushRegistration{});
    if (!push)
        return push.error();
    if (push->handle == 0)
        return std::optional<PushRegistration>();
    return std::optional<PushRegistration>(std::move(*push));
}

namespace {

// Sets the armed flag; `previous` says what it was (nothing: no registration).
template <typename Impl>
Status setArmed(Impl& impl, const std::string& session, bool armed, std::optional<PushRegistration>& previous)
{
    return impl.transact([&]() -> Status {
        auto push = impl.load(keys::push(session), decodePush, PushRegistration{});
        if (!push)
            return push.error();
        if (push->handle == 0)
            return {};
        previous = *push;
        if (push->armed == armed)
            return {};
        push->armed = armed;
        return impl.file.store(keys::push(session), encodePush(*push), TdbFile::StoreMode::Replace);
    });
}

} // namespace

Result<std::optional<PushRegistration>> Registry::takeArmedPush(const std::string& session)
{
    const std::lock_guard lock(impl_->mutex);
    std::optional<PushRegistration> previous;
    if (Status s = setArmed(*impl_, session, false, previous); !s)
        return s.error();
    if (!previous || !previous->armed)
        return std::optional<PushRegistration>();
    return previous;
}

Status Registry::armPush(const std::string& session)
{
    const std::lock_guard lock(impl_->mutex);
    std::optional<PushRegistration> previous;
    return setArmed(*impl_, session, true, previous);
}

Status Registry::setCursor(const std::string& session, const QueueKey& queue, std::uint64_t next)
{
    const std::lock_guard lock(impl_->mutex);
    return impl_->file.store(keys::cursor(session, queue), encodeNumber(next), TdbFile::StoreMode::Replace);
}

Result<std::optional<std::uint64_t>> Registry::cursor(const std::string& session, const QueueKey& queue)
{
    const std::lock_guard lock(impl_->mutex);
    const std::string key = keys::cursor(session, queue);
    auto record = impl_->file.fetch(key);
    if (!record)
        return record.error();
    if (!*record)
        return std::optional<std::uint64_t>();
    auto next = decodeNumber(**record, key);
    if (!next)
        return next.error();
    return std::optional<std::uint64_t>(*next);
}

namespace {

// Decodes one record and hands it on; a record that does not decode stops
// the walk with its error.
template <typename Decode, typename Deliver>
bool deliverDecoded(Decode decode, std::string_view value, const std::string& key, Status& failure, Deliver deliver)
{
    auto decoded = decode(value, key);
    if (!decoded) {
        failure = decoded.error();
        return false;
    }
    deliver(*decoded);
    return true;
}

} // namespace

Status Registry::visit(const Visitor& visitor)
{
    const std::lock_guard lock(impl_->mutex);
    Status failure;
    Status walked = impl_->file.traverse([&](std::string_view key, std::string_view value) {
        const auto parts = splitKey(key);
        const std::string keyText(key);
        const auto field = [&](std::size_t i) { return std::string(parts[i]); };
        if (parts[0] == "b" && parts.size() == 3 && visitor.binding)
            return deliverDecoded(decodeBindings, value, keyText, failure,
                                  [&](const auto& holders) { visitor.binding(field(1), field(2), holders); });
        if (parts[0] == "f" && parts.size() == 3 && visitor.folder)
            return deliverDecoded(decodeNumber, value, keyText, failure,
                                  [&](Fid fid) { visitor.folder(field(1), field(2), fid); });
        if (parts[0] == "s" && parts.size() == 2 && visitor.subscriptions)
            return deliverDecoded(decodeSubscriptions, value, keyText, failure,
                                  [&](const auto& list) { visitor.subscriptions(field(1), list); });
        if (parts[0] == "p" && parts.size() == 2 && visitor.push)
            return deliverDecoded(decodePush, value, keyText, failure,
                                  [&](const PushRegistration& push) { visitor.push(field(1), push); });
        if (parts[0] == "c" && parts.size() == 5 && visitor.cursor) {
            QueueKey queue;
            const std::string queueKey =
                "q" + std::string(1, keys::kSeparator) + std::string(key.substr(parts[0].size() + parts[1].size() + 2));
            if (!keys::parseQueue(queueKey, queue)) {
                failure = makeError(ErrorCode::InternalError, {}, "bad cursor key");
                return false;
            }
            return deliverDecoded(decodeNumber, value, keyText, failure,
                                  [&](std::uint64_t next) { visitor.cursor(field(1), queue, next); });
        }
        return true;
    });
    return walked ? failure : walked;
}

} // namespace ocs::store
