#include "io/pdf_document.h"

#include <hpdf.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace keneya::io {
namespace {

// libharu's first failure: its error code ("0x1025"; empty while none) and detail.
struct LibharuFailure {
  std::string code;
  unsigned detail = 0;
};

void OnError(HPDF_STATUS error, HPDF_STATUS detail, void* user) {
  auto* failure = static_cast<LibharuFailure*>(user);
  if (!failure->code.empty()) return;
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "0x%04X", static_cast<unsigned>(error));
  failure->code = buffer;
  failure->detail = static_cast<unsigned>(detail);
}

// "libharu error 0x1025 (detail 0)".
core::Message LibharuError(const LibharuFailure& failure) {
  return core::Message("io.pdf.libharu_error",
                       {{"code", failure.code}, {"detail", failure.detail}});
}

}  // namespace

struct PdfDocument::Handle {
  HPDF_Doc pdf = nullptr;
  HPDF_Font regular = nullptr;
  HPDF_Font bold = nullptr;
  HPDF_Page page = nullptr;
  LibharuFailure error;
  ~Handle() {
    if (pdf != nullptr) HPDF_Free(pdf);
  }
};

std::string PdfDocument::FontDirectory() {
  const char* dir = std::getenv("KENEYA_FONT_DIR");
  return dir != nullptr && *dir != '\0' ? dir : "/usr/share/fonts/truetype/dejavu";
}

core::Result<std::unique_ptr<PdfDocument>> PdfDocument::Create() {
  auto handle = std::make_unique<Handle>();
  const std::filesystem::path dir = FontDirectory();
  const std::filesystem::path regular = dir / "DejaVuSans.ttf";
  const std::filesystem::path bold = dir / "DejaVuSans-Bold.ttf";
  for (const std::filesystem::path& file : {regular, bold}) {
    if (!std::ifstream(file).good()) {
      return core::Unavailable(core::Message("io.pdf.no_font_file"), file.string());
    }
  }
  handle->pdf = HPDF_New(OnError, &handle->error);
  if (handle->pdf == nullptr) return core::Internal(core::Message("io.pdf.cannot_start"));
  HPDF_SetCompressionMode(handle->pdf, HPDF_COMP_ALL);
  HPDF_UseUTFEncodings(handle->pdf);
  // Embedded (only the glyphs used), so that the PDF prints the same everywhere.
  const char* regular_name = HPDF_LoadTTFontFromFile(handle->pdf, regular.c_str(), HPDF_TRUE);
  const char* bold_name = HPDF_LoadTTFontFromFile(handle->pdf, bold.c_str(), HPDF_TRUE);
  if (regular_name != nullptr) handle->regular = HPDF_GetFont(handle->pdf, regular_name, "UTF-8");
  if (bold_name != nullptr) handle->bold = HPDF_GetFont(handle->pdf, bold_name, "UTF-8");
  if (handle->regular == nullptr || handle->bold == nullptr) {
    return core::Unavailable(
        core::Message("io.pdf.cannot_load_font", {{"reason", LibharuError(handle->error)}}),
        dir.string());
  }
  return std::unique_ptr<PdfDocument>(new PdfDocument(std::move(handle)));
}

PdfDocument::PdfDocument(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {}

PdfDocument::~PdfDocument() = default;

void* PdfDocument::FontHandle(PdfFont font) const {
  return font == PdfFont::kBold ? handle_->bold : handle_->regular;
}

void PdfDocument::NewPage() {
  handle_->page = HPDF_AddPage(handle_->pdf);
  HPDF_Page_SetSize(handle_->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
  HPDF_Page_SetLineWidth(handle_->page, 0.5);
  ++page_count_;
}

void PdfDocument::Text(float x, float y, PdfFont font, float size, std::string_view utf8) {
  const std::string text(utf8);
  HPDF_Page_BeginText(handle_->page);
  HPDF_Page_SetFontAndSize(handle_->page, static_cast<HPDF_Font>(FontHandle(font)), size);
  HPDF_Page_TextOut(handle_->page, x, y, text.c_str());
  HPDF_Page_EndText(handle_->page);
}

void PdfDocument::TextRight(float x, float y, PdfFont font, float size, std::string_view utf8) {
  Text(x - Width(utf8, font, size), y, font, size, utf8);
}

float PdfDocument::Width(std::string_view utf8, PdfFont font, float size) {
  const std::string text(utf8);
  HPDF_Page_SetFontAndSize(handle_->page, static_cast<HPDF_Font>(FontHandle(font)), size);
  return HPDF_Page_TextWidth(handle_->page, text.c_str());
}

std::string PdfDocument::Fit(std::string_view utf8, float width, PdfFont font, float size) {
  if (Width(utf8, font, size) <= width) return std::string(utf8);
  std::string cut(utf8);
  while (!cut.empty() && Width(cut + "...", font, size) > width) {
    // Drop one whole UTF-8 character: its continuation bytes, then its lead byte.
    while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0) == 0x80) cut.pop_back();
    if (!cut.empty()) cut.pop_back();
  }
  return cut + "...";
}

std::vector<std::string> PdfDocument::Wrap(std::string_view utf8, float width, PdfFont font,
                                           float size) {
  std::vector<std::string> lines;
  std::istringstream words{std::string(utf8)};
  std::string word, line;
  while (words >> word) {
    const std::string candidate = line.empty() ? word : line + " " + word;
    if (!line.empty() && Width(candidate, font, size) > width) {
      lines.push_back(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

void PdfDocument::SetLineWidth(float width) { HPDF_Page_SetLineWidth(handle_->page, width); }

void PdfDocument::Line(float x1, float y1, float x2, float y2) {
  HPDF_Page_MoveTo(handle_->page, x1, y1);
  HPDF_Page_LineTo(handle_->page, x2, y2);
  HPDF_Page_Stroke(handle_->page);
}

void PdfDocument::Rectangle(float x, float y, float width, float height) {
  HPDF_Page_Rectangle(handle_->page, x, y, width, height);
  HPDF_Page_Stroke(handle_->page);
}

core::Status PdfDocument::Save(const std::string& path) {
  if (!handle_->error.code.empty()) {
    return core::Internal(
        core::Message("io.pdf.cannot_write", {{"reason", LibharuError(handle_->error)}}), path);
  }
  if (HPDF_SaveToFile(handle_->pdf, path.c_str()) != HPDF_OK) {
    return core::Unavailable(core::Message("io.file.cannot_write"), path);
  }
  return core::OkStatus();
}

}  // namespace keneya::io
