// The C ABI of the client module (ocsmanager_client.h): argument checks,
// status codes, and the boundary no C++ exception crosses.
#include "client_module/ocsmanager_client.h"

#include "client_module/indexing_tdb.hpp"
#include "client_module/session.hpp"
#include "client_module/watch.hpp"

#include <cstring>
#include <new>
#include <vector>

struct ocs_handle {
    std::unique_ptr<ocs::client_module::StateHandle> state;
};

struct ocs_session {
    std::unique_ptr<ocs::client_module::Session> session;
    ocs::client_module::StateHandle& state;

    bool resolver() const { return state.resolver != nullptr; }
};

struct ocs_watch {
    std::unique_ptr<ocs::client_module::Watch> watch;
};

namespace {

using ocs::ErrorCode;

ocs_status statusOf(const ocs::Error& error)
{
    switch (error.code) {
    case ErrorCode::InvalidParameter:
    case ErrorCode::MalformedRequest:
        return OCS_E_INVALID_ARGUMENT;
    case ErrorCode::PayloadTooLarge:
        return OCS_E_BUFFER_TOO_SMALL;
    case ErrorCode::InternalError:
    case ErrorCode::StoreUnavailable:
        return OCS_E_STORE;
    default:
        return OCS_E_INTERNAL;
    }
}

ocs_status statusOf(const ocs::Status& status)
{
    return status ? OCS_OK : statusOf(status.error());
}

// Runs `body` so that nothing thrown leaves the library.
template <typename Body> ocs_status guarded(Body&& body) noexcept
{
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return OCS_E_NO_MEMORY;
    } catch (...) {
        return OCS_E_INTERNAL;
    }
}

bool present(const char* text)
{
    return text && *text;
}

ocs_status found(const ocs::Result<bool>& removed)
{
    if (!removed)
        return statusOf(removed.error());
    return *removed ? OCS_OK : OCS_E_NOT_FOUND;
}

ocs::Error resolverFailed(const char* call, ocs_status status)
{
    return ocs::makeError(ErrorCode::StoreUnavailable, {},
                          std::string("the id resolver's ") + call + " failed: " + ocs_status_string(status));
}

// OpenChange's own indexing functions, installed as C callbacks.
class CallbackResolver : public ocs::client_module::IdResolver {
  public:
    explicit CallbackResolver(const ocs_id_resolver& callbacks) : callbacks_(callbacks) {}

    ocs::Status resolve(const std::string& user, std::vector<ocs::client_module::MessageLookup>& lookups) override
    {
        for (auto& lookup : lookups) {
            uint64_t mid = 0;
            const ocs_status status = callbacks_.message_id(callbacks_.context, user.c_str(), lookup.uri.c_str(),
                                                            lookup.allocate ? 1 : 0, &mid);
            if (status == OCS_E_NOT_FOUND || (status == OCS_OK && mid == 0))
                continue;
            if (status != OCS_OK)
                return resolverFailed("message_id", status);
            lookup.mid = mid;
        }
        return {};
    }

    ocs::Result<std::optional<std::string>> messageUri(const std::string& user, ocs::store::Mid mid) override
    {
        std::vector<char> uri(kUriRoom, '\0');
        const ocs_status status = callbacks_.message_uri(callbacks_.context, user.c_str(), mid, uri.data(), uri.size());
        if (status == OCS_E_NOT_FOUND)
            return std::optional<std::string>();
        if (status != OCS_OK)
            return resolverFailed("message_uri", status);
        uri.back() = '\0'; // whatever the callback wrote, the string ends in the buffer
        return std::optional<std::string>(uri.data());
    }

  private:
    static constexpr std::size_t kUriRoom = 65536;
    ocs_id_resolver callbacks_;
};

} // namespace

extern "C" {

const char* ocs_status_string(ocs_status status)
{
    switch (status) {
    case OCS_OK:
        return "OCS_OK: success";
    case OCS_E_INVALID_ARGUMENT:
        return "OCS_E_INVALID_ARGUMENT: a missing, empty or malformed argument";
    case OCS_E_NOT_FOUND:
        return "OCS_E_NOT_FOUND: no such binding, subscription or push registration";
    case OCS_E_STORE:
        return "OCS_E_STORE: the state directory or one of its files cannot be used";
    case OCS_E_BUFFER_TOO_SMALL:
        return "OCS_E_BUFFER_TOO_SMALL: the next notification does not fit in the buffer";
    case OCS_E_NO_MEMORY:
        return "OCS_E_NO_MEMORY: out of memory";
    case OCS_E_NO_RESOLVER:
        return "OCS_E_NO_RESOLVER: no id resolver is installed (ocs_set_id_resolver, ocs_use_openchange_index)";
    case OCS_E_INTERNAL:
        break;
    }
    return "OCS_E_INTERNAL: internal error";
}

ocs_status ocs_open(const char* state_directory, ocs_handle** handle)
{
    if (!present(state_directory) || !handle)
        return OCS_E_INVALID_ARGUMENT;
    return guarded([&] {
        auto state = ocs::client_module::StateHandle::open(state_directory);
        if (!state)
            return statusOf(state.error());
        *handle = new ocs_handle{std::move(*state)};
        return OCS_OK;
    });
}

void ocs_close(ocs_handle* handle)
{
    delete handle;
}

ocs_status ocs_bind(ocs_handle* handle, const char* user, const char* backend, const char* backend_user)
{
    if (!handle || !present(user) || !present(backend) || !present(backend_user))
        return OCS_E_INVALID_ARGUMENT;
    return guarded([&] { return statusOf(handle->state->registry->bind(user, backend, backend_user)); });
}

ocs_status ocs_unbind(ocs_handle* handle, const char* user, const char* backend, const char* backend_user)
{
    if (!handle || !present(user) || !present(backend) || !present(backend_user))
        return OCS_E_INVALID_ARGUMENT;
    return guarded([&] { return found(handle->state->registry->unbind(user, backend, backend_user)); });
}

ocs_status ocs_map_folder(ocs_handle* handle, const char* user, const char* folder_uri, uint64_t fid)
{
    if (!handle || !present(user) || !present(folder_uri) || fid == 0)
        return OCS_E_INVALID_ARGUMENT;
    return guarded([&] { return statusOf(handle->state->registry->mapFolder(user, folder_uri, fid)); });
}

ocs_status ocs_set_id_resolver(ocs_handle* handle, const ocs_id_resolver* resolver)
{
    if (!handle || !resolver || !resolver->message_id || !resolver->message_uri)
        return OCS_E_INVALID_ARGUMENT;
    return guarded([&] {
        handle->state->resolver = std::make_unique<CallbackResolver>(*resolver);
        return OCS_OK;
    });
}

ocs_status ocs_use_openchange_index(ocs_handle* handle, const char* mapistore_directory)
{
    if (!handle || !present(mapistore_directory))
        return OCS_E_INVALID_ARGUMENT;
    return guarded([&] {
        auto resolver = ocs::client_module::IndexingTdbResolver::open(mapistore_directory);
        if (!resolver)
            return statusOf(resolver.error());
        handle->state->resolver = std::move(*resolver);
        return OCS_OK;
    });
}

ocs_status ocs_session_open(ocs_handle* handle, const char* user, const char* session_id, ocs_session** session)
{
    if (!handle || !present(user) || !session || (session_id && !*session_id))
        return OCS_E_INVALID_ARGUMENT;
    return guarded([&] {
        auto opened = ocs::client_module::Session::open(*handle->state, user, session_id ? session_id : "");
        if (!opened)
            return statusOf(opened.error());
        *session = new ocs_session{std::move(*opened), *handle->state};
        return OCS_OK;
    });
}

ocs_status ocs_session_close(ocs_session* session)
{
    if (!session)
        return OCS_E_INVALID_ARGUMENT;
    const ocs_status status = guarded([&] { return statusOf(session->session->close()); });
    delete session;
    return status;
}

void ocs_session_detach(ocs_session* session)
{
    delete session;
}

const char* ocs_session_id(const ocs_session* session)
{
    return session ? session->session->id().c_str() : nullptr;
}

ocs_status ocs_subscribe(ocs_session* session, uint32_t notification_handle, uint16_t fnev_flags, uint64_t fid,
                         uint64_t mid, ocs_table_type table)
{
    if (!session || fnev_flags == 0 || table < OCS_TABLE_NONE || table > OCS_TABLE_ASSOCIATED_CONTENTS)
        return OCS_E_INVALID_ARGUMENT;
    if (mid != 0 && !session->resolver())
        return OCS_E_NO_RESOLVER;
    return guarded([&] {
        const ocs::store::Subscription subscription{
            {}, notification_handle, fnev_flags, fid, mid, static_cast<ocs::store::TableType>(table), {}};
        return found(session->session->subscribe(subscription));
    });
}

ocs_status ocs_unsubscribe(ocs_session* session, uint32_t notification_handle)
{
    if (!session)
        return OCS_E_INVALID_ARGUMENT;
    return guarded([&] { return found(session->session->unsubscribe(notification_handle)); });
}

int ocs_session_fd(const ocs_session* session)
{
    return session ? session->session->fd() : -1;
}

ocs_status ocs_drain(ocs_session* session, uint8_t logon_id, uint8_t* buffer, size_t size, size_t* written,
                     size_t* count)
{
    if (!session || (!buffer && size > 0) || !written || !count)
        return OCS_E_INVALID_ARGUMENT;
    *written = 0;
    *count = 0;
    if (!session->resolver())
        return OCS_E_NO_RESOLVER;
    return guarded([&] {
        auto drained = session->session->drain(logon_id, size);
        if (!drained)
            return statusOf(drained.error());
        if (!drained->bytes.empty())
            std::memcpy(buffer, drained->bytes.data(), drained->bytes.size());
        *written = drained->bytes.size();
        *count = drained->count;
        return OCS_OK;
    });
}

ocs_status ocs_push_register(ocs_session* session, const uint8_t* context, size_t context_size, const uint8_t* address,
                             size_t address_size, uint32_t* notification_handle)
{
    if (!session || (!context && context_size > 0) || !address || !notification_handle)
        return OCS_E_INVALID_ARGUMENT;
    return guarded([&] {
        auto handle =
            session->session->registerPush(ocs::ByteView(context, context_size), ocs::ByteView(address, address_size));
        if (!handle)
            return statusOf(handle.error());
        *notification_handle = *handle;
        return OCS_OK;
    });
}

ocs_status ocs_push_unregister(ocs_session* session, uint32_t notification_handle)
{
    if (!session)
        return OCS_E_INVALID_ARGUMENT;
    return guarded([&] { return found(session->session->unregisterPush(notification_handle)); });
}

ocs_status ocs_watch_open(ocs_handle* handle, const char* user, const char* session_id, ocs_watch** watch)
{
    if (!handle || !present(user) || !present(session_id) || !watch)
        return OCS_E_INVALID_ARGUMENT;
    return guarded([&] {
        auto opened = ocs::client_module::Watch::open(*handle->state, user, session_id);
        if (!opened)
            return statusOf(opened.error());
        if (!*opened)
            return OCS_E_NOT_FOUND;
        *watch = new ocs_watch{std::move(*opened)};
        return OCS_OK;
    });
}

int ocs_watch_fd(const ocs_watch* watch)
{
    return watch ? watch->watch->fd() : -1;
}

ocs_status ocs_watch_rearm(ocs_watch* watch, int* pending)
{
    if (!watch || !pending)
        return OCS_E_INVALID_ARGUMENT;
    *pending = 0;
    return guarded([&] {
        auto waiting = watch->watch->rearm();
        if (!waiting)
            return statusOf(waiting.error());
        *pending = *waiting ? 1 : 0;
        return OCS_OK;
    });
}

void ocs_watch_close(ocs_watch* watch)
{
    delete watch;
}

} // extern "C"
