// A PDF document for Keneya's printed outputs (invoices, verification reports, sheets): A4 pages
// with text in an embedded Unicode TrueType font, DejaVu Sans (Debian's fonts-dejavu-core), so
// that every name prints as written, Bambara letters (ɛ ɔ ɲ ŋ) and any other Unicode included.
// Each domain lays out its own documents with it; this class knows nothing of invoices.
//
//   KENEYA_ASSIGN_OR_RETURN(std::unique_ptr<PdfDocument> pdf, PdfDocument::Create());
//   pdf->NewPage();
//   pdf->Text(40, 800, PdfFont::kBold, 14, "FACTURE FBR N° FBR-2024Q1-0001");
//   pdf->TextRight(555, 800, PdfFont::kRegular, 8, "page 1");
//   KENEYA_RETURN_IF_ERROR(pdf->Save("factures.pdf"));
//
// Text is UTF-8; coordinates are PDF points from the page's bottom left corner. Not thread-safe:
// one document per thread.
#ifndef KENEYA_IO_PDF_DOCUMENT_H_
#define KENEYA_IO_PDF_DOCUMENT_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace keneya::io {

enum class PdfFont { kRegular, kBold };

class PdfDocument {
 public:
  // The folder of DejaVuSans.ttf and DejaVuSans-Bold.ttf (KENEYA_FONT_DIR when set, else
  // Debian's /usr/share/fonts/truetype/dejavu).
  static std::string FontDirectory();

  // A new, empty, compressed document with both fonts loaded. Unavailable, naming the file and
  // the package to install, when a font file is missing or unreadable.
  static core::Result<std::unique_ptr<PdfDocument>> Create();

  ~PdfDocument();
  PdfDocument(const PdfDocument&) = delete;
  PdfDocument& operator=(const PdfDocument&) = delete;

  // Adds an A4 portrait page; the drawing calls below draw on the last page added.
  void NewPage();
  int page_count() const { return page_count_; }

  void Text(float x, float y, PdfFont font, float size, std::string_view utf8);
  // Text ending at x.
  void TextRight(float x, float y, PdfFont font, float size, std::string_view utf8);
  // Width of the text in points.
  float Width(std::string_view utf8, PdfFont font, float size);
  // The text cut at a character boundary and ended with "..." to fit `width` points.
  std::string Fit(std::string_view utf8, float width, PdfFont font, float size);
  // The text's words in lines of at most `width` points (a longer word stands alone).
  std::vector<std::string> Wrap(std::string_view utf8, float width, PdfFont font, float size);

  void SetLineWidth(float width);
  void Line(float x1, float y1, float x2, float y2);
  void Rectangle(float x, float y, float width, float height);

  // Writes the document. Internal, with libharu's error code, when anything failed on the way
  // (the first failure is kept); Unavailable when the file cannot be written.
  core::Status Save(const std::string& path);

 private:
  struct Handle;
  explicit PdfDocument(std::unique_ptr<Handle> handle);
  void* FontHandle(PdfFont font) const;

  std::unique_ptr<Handle> handle_;
  int page_count_ = 0;
};

}  // namespace keneya::io

#endif  // KENEYA_IO_PDF_DOCUMENT_H_
