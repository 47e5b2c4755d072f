#include "daemon/connection.hpp"

#include <unistd.h>

namespace ocs::daemon {

void Connection::close()
{
    if (ssl) {
        SSL_shutdown(ssl);
        SSL_free(ssl);
        ssl = nullptr;
    }
    if (fd >= 0)
        ::close(fd);
    fd = -1;
    closed = true;
}

} // namespace ocs::daemon
