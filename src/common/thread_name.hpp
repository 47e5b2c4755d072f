// Names the calling thread as ps -L, top -H, perf and gdb show it (at most
// 15 characters; longer names are cut).
#pragma once

#include <pthread.h>

#include <string>

namespace ocs {

inline void nameThisThread(const std::string& name)
{
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

} // namespace ocs
