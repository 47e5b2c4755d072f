// Benchmark set-up: writes what the client module would — bindings, folder
// maps, whole-store subscriptions — for many users at once, and optionally
// a duplicate window holding a given number of recent messages, each in one
// transaction (the registry's one-call-one-commit API would take minutes for
// 10,000 users).
//
//   ocs-bench-provision STATE_DIR USERS [MESSAGES]
// Backend user "userN" (N < USERS) is bound to OpenChange user "ocN", whose
// INBOX (sogo://userN@INBOX/) has FID N+1 and one whole-store subscription
// for fnevNewMail. MESSAGES messages are in the duplicate window, spread
// over the users.
#include "store/queue_store.hpp"
#include "store/records.hpp"
#include "store/state_directory.hpp"

#include <tdb.h>

#include <cstdlib>
#include <iostream>
#include <string>

using namespace ocs::store;

namespace {

int fail(const ocs::Error& error)
{
    std::cerr << "ocs-bench-provision: " << error.detail << "\n";
    return 1;
}

ocs::Status provisionRegistry(const std::string& directory, unsigned long users)
{
    auto file = openStateFile(directory, "registry.tdb", Access::ReadWrite, TDB_NOSYNC, kLargeHashSize);
    if (!file)
        return file.error();
    return file->transact([&]() -> ocs::Status {
        for (unsigned long n = 0; n < users; ++n) {
            const std::string backendUser = "user" + std::to_string(n);
            const std::string user = "oc" + std::to_string(n);
            const std::string folder = "sogo://" + backendUser + "@INBOX/";
            const Subscription subscription{"bench-" + user, 1, fnev::NewMail, 0, 0, TableType::None, {}};
            for (auto [key, value] : {std::pair{keys::binding("SOGo", backendUser), encodeBindings({{user, 1}})},
                                      std::pair{keys::folderByUri(user, folder), encodeNumber(n + 1)},
                                      std::pair{keys::folderById(user, n + 1), folder},
                                      std::pair{keys::subscriptions(user), encodeSubscriptions({subscription})}}) {
                if (ocs::Status stored = file->store(key, value, TdbFile::StoreMode::Replace); !stored)
                    return stored;
            }
        }
        return {};
    });
}

ocs::Status provisionMessages(const std::string& directory, unsigned long users, unsigned long messages)
{
    QueueStoreOptions options;
    options.sync = false;
    auto store = QueueStore::open(directory, options);
    if (!store)
        return store.error();
    return (*store)->write([&](Batch& batch) -> ocs::Status {
        for (unsigned long m = 0; m < messages; ++m) {
            const unsigned long n = m % users;
            const std::string uri = "sogo://user" + std::to_string(n) + "@INBOX/old-" + std::to_string(m) + ".eml";
            batch.firstSighting(uri);
        }
        return {};
    });
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 3 || argc > 4) {
        std::cerr << "usage: ocs-bench-provision STATE_DIR USERS [MESSAGES]\n";
        return 2;
    }
    const std::string directory = argv[1];
    const unsigned long users = std::strtoul(argv[2], nullptr, 10);
    const unsigned long messages = argc == 4 ? std::strtoul(argv[3], nullptr, 10) : 0;
    if (users == 0)
        return fail(ocs::makeError(ocs::ErrorCode::InvalidParameter, {}, "USERS must be at least 1"));
    if (ocs::Status done = provisionRegistry(directory, users); !done)
        return fail(done.error());
    if (ocs::Status done = provisionMessages(directory, users, messages); !done)
        return fail(done.error());
    std::cout << "provisioned " << users << " users, " << messages << " recent messages in " << directory << "\n";
    return 0;
}
