// OpenChange and SOGo as they use a user's indexing.tdb, for tests: written
// from OpenChange's behaviour (mapiproxy/libmapistore/backends/indexing_tdb.c,
// mapistore_indexing.c, emsmdbp_provisioning.c; SOGo's MAPIStoreFolder
// ensureIDsForChildKeys: and MAPIStoreMapping) with raw libtdb calls, and
// independently of the client module's resolver, so the two check each
// other.
//
// Each call opens the file, does its work and closes it, as a short-lived
// OpenChange process would. libtdb refuses a second open of a file in one
// process (EBUSY), and a child forked while the file is open inherits that
// refusal: destroy any resolver holding the user's file before calling these,
// and fork children that open the file only while this process holds it
// nowhere. Failures throw std::runtime_error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ocs::test::openchange {

struct Mailbox {
    std::uint64_t root = 0;                    // the mailbox root: openchangedb only, not in the index
    std::map<std::string, std::uint64_t> fids; // folder URI -> FID, registered in the index
};

// A new mailbox, as emsmdbp_mailbox_provision makes it: the root folder
// takes the first id from GlobalCount (counter 1 = 0x0100000000000001), then
// each folder URI in order takes the next id and is registered for it
// (mapistore_indexing_get_new_folderID_as_user, then add_fmid_for_uri).
Mailbox provisionMailbox(const std::filesystem::path& mapistoreDirectory, const std::string& user,
                         const std::vector<std::string>& folderUris);

// Listing a folder, as SOGo's ensureIDsForChildKeys: does it: each child's
// URI is folderUri + key; every URI the index does not know gets a new id
// from the counter (one allocation each, no transaction, as OpenChange
// allocates) and is then registered. Returns URI -> id for every child. URIs
// are found as tdb_record_get_fmid finds them: the first record in the walk
// whose value equals the URI, ignoring one trailing '/' on either side, soft-
// deleted records included (whose id then reads as 0, as OpenChange parses
// the key "SOFT_DELETED:0x...").
std::map<std::string, std::uint64_t> listFolder(const std::filesystem::path& mapistoreDirectory,
                                                const std::string& user, const std::string& folderUri,
                                                const std::vector<std::string>& childKeys);

// Opening a message by id (SOGo's urlFromID: through tdb_record_get_uri):
// the URI of the live or soft-deleted record; nullopt for
// MAPISTORE_ERR_NOT_FOUND.
std::optional<std::string> openMessage(const std::filesystem::path& mapistoreDirectory, const std::string& user,
                                       std::uint64_t mid);

// What OpenChange's own notification service did for a message URI
// (process_newmail_notification): look it up (tdb_record_get_fmid), and,
// when unknown and `allocate` is set, take a new id
// (mapistore_indexing_get_new_folderID_as_user) and register it
// (mapistore_indexing_record_add_fmid_for_uri). nullopt: unknown and not
// allocated. What the test callbacks of the client module's resolver call.
std::optional<std::uint64_t> messageId(const std::filesystem::path& mapistoreDirectory, const std::string& user,
                                       const std::string& uri, bool allocate);

// Every id that has a record, soft-deleted ones included, in ascending order.
std::vector<std::uint64_t> allocatedIds(const std::filesystem::path& mapistoreDirectory, const std::string& user);

// tdb_record_del with MAPISTORE_SOFT_DELETE: the record is re-keyed
// "SOFT_DELETED:0x..."; a record already soft-deleted stays as it is. Throws
// when the id has no record at all (OpenChange answers success: here it is
// a mistake in the test).
void softDelete(const std::filesystem::path& mapistoreDirectory, const std::string& user, std::uint64_t mid);

} // namespace ocs::test::openchange
