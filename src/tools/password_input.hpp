// Reading a password for the command-line tools: never from argv (it would
// show in ps and shell history), but from a file or standard input.
#pragma once

#include <optional>
#include <string>

namespace ocs::tools {

// From `file` when given, else from standard input (first line, without its
// newline; with echo off and a prompt on stderr when stdin is a terminal).
// On failure returns nothing and sets `error`.
std::optional<std::string> readPassword(const std::string& file, std::string& error);

} // namespace ocs::tools
