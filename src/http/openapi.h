// The OpenAPI 3.1 document of Keneya's API (src/http/openapi.json, embedded at build time),
// served at /api/openapi.json. A test checks it against the route table.
#ifndef KENEYA_HTTP_OPENAPI_H_
#define KENEYA_HTTP_OPENAPI_H_

#include <string_view>

namespace keneya::http {

std::string_view OpenApiDocument();

}  // namespace keneya::http

#endif  // KENEYA_HTTP_OPENAPI_H_
