// zlib, for reading gzip-compressed network logs (Debian: zlib1g-dev).
#include <zlib.h>
