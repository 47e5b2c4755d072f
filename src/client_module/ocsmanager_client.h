/*
 * OCSManager client module: the OpenChange Server side of OCSManager.
 *
 * Linked into OpenChange Server, it registers who is working with what
 * (bindings, folder maps), the notification subscriptions of each MAPI
 * session, and turns the queue entries OCSManager's daemon writes into the
 * RopNotify response buffers appended to the session's next MAPI response.
 * doc/client-module.md maps these calls onto OpenChange's events.
 *
 * Rules:
 * - Every call returns an ocs_status; ocs_status_string() names it. No C++
 *   exception crosses this interface.
 * - Open one ocs_handle per process and state directory (tdb refuses a
 *   second open of a file in one process). A handle may be used by several
 *   threads at once; a session by one thread at a time.
 * - Several processes (Samba's forked servers) may use the same state
 *   directory at once, each with its own handle.
 * - Every id on the wire is OpenChange's: queue entries name messages by
 *   URI, and an id resolver installed on the handle (OpenChange's own
 *   indexing functions as callbacks, or the built-in reader of OpenChange's
 *   TDB index) turns them into OpenChange's MIDs when a session drains.
 * - Strings are NUL-terminated UTF-8.
 *
 * Copyright (C) OCSManager developers. GPL-3.0-or-later.
 */
#ifndef OCSMANAGER_CLIENT_H
#define OCSMANAGER_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ocs_status {
    OCS_OK = 0,
    OCS_E_INVALID_ARGUMENT = 1, /* a NULL pointer, an empty or malformed name, an unknown table type */
    OCS_E_NOT_FOUND = 2,        /* unsubscribe/unbind/unregister of something not there */
    OCS_E_STORE = 3,            /* the state directory or one of its files cannot be used */
    OCS_E_BUFFER_TOO_SMALL = 4, /* ocs_drain: the next notification alone does not fit */
    OCS_E_NO_MEMORY = 5,
    OCS_E_INTERNAL = 6,
    OCS_E_NO_RESOLVER = 7 /* ocs_drain, ocs_subscribe on a message: no id resolver installed on the handle */
} ocs_status;

/* A static, human-readable name of the status ("OCS_E_STORE: ..."). */
const char* ocs_status_string(ocs_status status);

typedef struct ocs_handle ocs_handle;
typedef struct ocs_session ocs_session;

/* Table types of a subscription (MAPI tables a client watches). */
typedef enum ocs_table_type {
    OCS_TABLE_NONE = 0, /* an object: the whole store, a folder or a message */
    OCS_TABLE_HIERARCHY = 1,
    OCS_TABLE_CONTENTS = 2,
    OCS_TABLE_ASSOCIATED_CONTENTS = 3
} ocs_table_type;

/* fnev* notification bits (MS-OXCNOTIF 2.2.1.1.1) a subscription may ask for. */
#define OCS_FNEV_NEW_MAIL 0x0002
#define OCS_FNEV_OBJECT_CREATED 0x0004
#define OCS_FNEV_OBJECT_DELETED 0x0008
#define OCS_FNEV_OBJECT_MODIFIED 0x0010
#define OCS_FNEV_OBJECT_MOVED 0x0020
#define OCS_FNEV_OBJECT_COPIED 0x0040
#define OCS_FNEV_TABLE_MODIFIED 0x0100

/* --- the handle: one per process and state directory --------------------- */

/* Opens the state directory the daemon uses (its [state] directory). */
ocs_status ocs_open(const char* state_directory, ocs_handle** handle);
void ocs_close(ocs_handle* handle);

/* OpenChange user `user` works with backend user `backend_user` of `backend`
 * (when a mapistore context is created). Reference-counted: each bind needs
 * one unbind (when the context is released). */
ocs_status ocs_bind(ocs_handle* handle, const char* user, const char* backend, const char* backend_user);
ocs_status ocs_unbind(ocs_handle* handle, const char* user, const char* backend, const char* backend_user);

/* The user's folder `folder_uri` (its mapistore URI, as the backend's
 * folder_uri template forms it) has id `fid`. */
ocs_status ocs_map_folder(ocs_handle* handle, const char* user, const char* folder_uri, uint64_t fid);

/* --- message ids: OpenChange's, through an id resolver ------------------- */

/* OpenChange's indexing, as callbacks run in the calling process (an
 * OpenChange process that holds the user's index open must use these: libtdb
 * refuses a second open of the file in one process). Called from ocs_drain
 * and ocs_subscribe, on the thread that calls them. doc/client-module.md
 * gives the OpenChange call for each. */
typedef struct ocs_id_resolver {
    void* context; /* passed back to each callback */
    /* The MID OpenChange's index holds for `uri` of OpenChange user `user`:
     * OCS_OK with *mid set. When it holds none and `allocate` is non-zero:
     * a new id from OpenChange's allocator, registered in the index for
     * `uri`, then OCS_OK. Not indexed (and not allocated): OCS_E_NOT_FOUND.
     * Any other status is a failure: ocs_drain returns OCS_E_STORE and
     * leaves the entries for the next call. */
    ocs_status (*message_id)(void* context, const char* user, const char* uri, int allocate, uint64_t* mid);
    /* The URI the index holds for `mid`, written with its NUL into `uri`
     * (`size` bytes, at least 65536): OCS_OK; none: OCS_E_NOT_FOUND. */
    ocs_status (*message_uri)(void* context, const char* user, uint64_t mid, char* uri, size_t size);
} ocs_id_resolver;

/* Installs the resolver (copied; `context` must outlive the handle) in
 * place of any before. Install one before sessions drain: call it right
 * after ocs_open, not while other threads use the handle. */
ocs_status ocs_set_id_resolver(ocs_handle* handle, const ocs_id_resolver* resolver);

/* Installs the built-in resolver: it reads and writes OpenChange's TDB
 * indexing files `<mapistore_directory>/<user>/indexing.tdb` (OpenChange's
 * `<private dir>/mapistore`) in OpenChange's own format and allocates from
 * their `GlobalCount` under a TDB transaction. For processes that do not
 * have those files open themselves (tools, a separate notification
 * process); it keeps each user's file open until ocs_close. */
ocs_status ocs_use_openchange_index(ocs_handle* handle, const char* mapistore_directory);

/* --- sessions: one per MAPI session -------------------------------------- */

/* Opens a session of `user`. `session_id` (1-64 of A-Z a-z 0-9 . _ -) names
 * it: reopening the same id after a crash resumes from where it read. NULL
 * makes a new random id (ocs_session_id returns it). */
ocs_status ocs_session_open(ocs_handle* handle, const char* user, const char* session_id, ocs_session** session);
/* Ends the session for good: its subscriptions, cursors and push
 * registration are removed. The session object is freed. */
ocs_status ocs_session_close(ocs_session* session);
/* Frees the session object but keeps its state (a process going away that
 * will reopen the session id later). */
void ocs_session_detach(ocs_session* session);
const char* ocs_session_id(const ocs_session* session);

/* RopRegisterNotification: `notification_handle` is the handle answered to
 * the client; `fid` 0 means the whole store, `mid` non-zero one message of
 * folder `fid` (the resolver gives its URI: OCS_E_NOT_FOUND when
 * OpenChange's index has no such message, OCS_E_NO_RESOLVER without a
 * resolver). Subscribing the same handle again replaces it. Entries queued
 * before the subscription are not delivered. */
ocs_status ocs_subscribe(ocs_session* session, uint32_t notification_handle, uint16_t fnev_flags, uint64_t fid,
                         uint64_t mid, ocs_table_type table);
/* RopRelease of the notification object. */
ocs_status ocs_unsubscribe(ocs_session* session, uint32_t notification_handle);

/* A descriptor that is readable while notifications are pending (poll,
 * epoll, tevent). ocs_drain clears it. Owned by the session. */
int ocs_session_fd(const ocs_session* session);

/* Writes pending notifications into `buffer` as consecutive RopNotify
 * responses (MS-OXCROPS 2.2.14.2) with LogonId `logon_id`, oldest first, as
 * many as fit in `size` bytes. *written gets the bytes used, *count the
 * RopNotify responses. What does not fit stays for the next call (the
 * descriptor stays readable). A session that fell behind a queue's retained
 * window gets a TABLE_CHANGED notification for each of its handles on that
 * queue first. Message ids are the resolver's: an entry about a message
 * OpenChange never indexed that the event cannot give an id (a change or
 * deletion, the source of a move or copy) reaches table subscriptions as
 * TABLE_CHANGED and object subscriptions not at all. OCS_E_BUFFER_TOO_SMALL:
 * not even the next one fits; OCS_E_NO_RESOLVER: none installed. */
ocs_status ocs_drain(ocs_session* session, uint8_t logon_id, uint8_t* buffer, size_t size, size_t* written,
                     size_t* count);

/* EcRRegisterPushNotification: `context` is sent as it is in one UDP
 * datagram to `address` (the client's SOCKADDR, IPv4 or IPv6, as on the
 * wire) when notifications become pending, then not again until the session
 * drains. *notification_handle gets a new, unique, non-zero handle. */
ocs_status ocs_push_register(ocs_session* session, const uint8_t* context, size_t context_size, const uint8_t* address,
                             size_t address_size, uint32_t* notification_handle);
ocs_status ocs_push_unregister(ocs_session* session, uint32_t notification_handle);

/* --- watching a session from another process ------------------------------ */

/* EcDoAsyncWaitEx usually runs in another process than the session's
 * EcDoRpcExt2 calls. A watch gives that process a descriptor of its own
 * for an existing session, without taking the session's wake-up away: the
 * daemon wakes the session and each of its watches. One watch is used by
 * one thread at a time; a process may hold many. */
typedef struct ocs_watch ocs_watch;

/* Watches session `session_id` of OpenChange user `user` (opened by
 * ocs_session_open in any process, with at least one subscription):
 * OCS_E_NOT_FOUND otherwise. The descriptor is readable at once when the
 * session has notifications pending. */
ocs_status ocs_watch_open(ocs_handle *handle, const char *user, const char *session_id, ocs_watch **watch);
/* Readable when the session may have notifications pending. Owned by the
 * watch. */
int ocs_watch_fd(const ocs_watch *watch);
/* Clears the descriptor, then looks: *pending is 1 when the session has
 * entries it has not drained that its subscriptions want (the descriptor is
 * then readable again), else 0. EcDoAsyncWaitEx: rearm; complete at once
 * when pending, else wait for the descriptor. An entry about a message
 * OpenChange never indexed may say pending for an object subscription that
 * will drain nothing. */
ocs_status ocs_watch_rearm(ocs_watch *watch, int *pending);
void ocs_watch_close(ocs_watch *watch);

#ifdef __cplusplus
}
#endif

#endif /* OCSMANAGER_CLIENT_H */
