//! Directory photos. An upload is decoded (PNG or JPEG only, within size
//! limits), turned upright, scaled to fit a square of [`MAX_SIDE`] pixels and
//! encoded afresh as JPEG. What is stored and served is pixels Sensate wrote
//! itself, so nothing else from the uploaded file survives: no EXIF, no GPS
//! position, no camera serial number, no comments, no embedded thumbnails.
use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// The largest upload accepted, in bytes.
pub const PHOTO_MAX_BYTES: usize = 5 * 1024 * 1024;
/// The stored photo fits in this many pixels on each side.
pub const MAX_SIDE: u32 = 800;
/// Larger images are refused before decoding: a small file can claim huge
/// dimensions (a "decompression bomb").
const MAX_INPUT_SIDE: u32 = 8_000;
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
const JPEG_QUALITY: u8 = 85;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedPhoto {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoProblem {
    Empty,
    TooLarge,
    NotPngOrJpeg,
    TooManyPixels,
    Unreadable,
}

impl PhotoProblem {
    /// What the person is told, beside the upload field.
    pub fn message(self) -> &'static str {
        match self {
            PhotoProblem::Empty => "Choose a photo to upload.",
            PhotoProblem::TooLarge => "The photo is larger than 5 MB. Choose a smaller file.",
            PhotoProblem::NotPngOrJpeg => "Upload a PNG or JPEG photo.",
            PhotoProblem::TooManyPixels => "The photo is more than 8,000 pixels wide or high. Choose a smaller one.",
            PhotoProblem::Unreadable => "The photo could not be read; the file may be damaged. Try another.",
        }
    }
}

/// Decodes an upload and encodes it afresh (see the module comment).
/// CPU-bound: call it off the async runtime.
pub fn reencode(upload: &[u8]) -> Result<EncodedPhoto, PhotoProblem> {
    reencode_within(upload, MAX_SIDE)
}

/// [`reencode`], fitting the result in `max_side` pixels on each side
/// (message attachments keep more detail than directory photos).
pub fn reencode_within(upload: &[u8], max_side: u32) -> Result<EncodedPhoto, PhotoProblem> {
    if upload.is_empty() {
        return Err(PhotoProblem::Empty);
    }
    if upload.len() > PHOTO_MAX_BYTES {
        return Err(PhotoProblem::TooLarge);
    }
    let mut reader =
        ImageReader::new(Cursor::new(upload)).with_guessed_format().map_err(|_| PhotoProblem::Unreadable)?;
    // The format is read from the bytes, never from the file name or the
    // content type the browser claims.
    if !matches!(reader.format(), Some(ImageFormat::Png | ImageFormat::Jpeg)) {
        return Err(PhotoProblem::NotPngOrJpeg);
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_INPUT_SIDE);
    limits.max_image_height = Some(MAX_INPUT_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(too_many_pixels_or_unreadable)?;
    let orientation = decoder.orientation().map_err(|_| PhotoProblem::Unreadable)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(too_many_pixels_or_unreadable)?;
    image.apply_orientation(orientation);
    if image.width() > max_side || image.height() > max_side {
        image = image.resize(max_side, max_side, FilterType::Lanczos3);
    }
    // JPEG has no transparency: transparent parts become white, not black.
    let rgb = if image.color().has_alpha() { on_white(&image) } else { image.to_rgb8() };
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY).encode_image(&rgb).map_err(|_| PhotoProblem::Unreadable)?;
    Ok(EncodedPhoto { jpeg, width: rgb.width(), height: rgb.height() })
}

fn too_many_pixels_or_unreadable(error: image::ImageError) -> PhotoProblem {
    match error {
        image::ImageError::Limits(_) => PhotoProblem::TooManyPixels,
        _ => PhotoProblem::Unreadable,
    }
}

fn on_white(image: &DynamicImage) -> image::RgbImage {
    let rgba = image.to_rgba8();
    image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let blend = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        image::Rgb([blend(r), blend(g), blend(b)])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = RgbaImage::from_fn(width, height, |x, _| {
            if x < width / 2 { Rgba([200, 30, 30, 255]) } else { Rgba([0, 0, 0, 0]) }
        });
        let mut out = Vec::new();
        DynamicImage::ImageRgba8(image).write_to(&mut Cursor::new(&mut out), ImageFormat::Png).unwrap();
        out
    }

    /// A JPEG with an APP1 (EXIF) segment carrying a GPS-like marker and an
    /// orientation of "rotate 90° clockwise".
    fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
        let image =
            RgbImage::from_fn(
                width,
                height,
                |_, y| if y < height / 2 { Rgb([20, 20, 220]) } else { Rgb([240, 240, 240]) },
            );
        let mut plain = Vec::new();
        JpegEncoder::new_with_quality(&mut plain, 90).encode_image(&image).unwrap();
        // TIFF header (little endian), one IFD entry: Orientation (0x0112) = 6,
        // followed by a text marker standing in for GPS data.
        let mut tiff = vec![b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0];
        tiff.extend_from_slice(b"GPS-CANARY 40.7128N 74.0060W");
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let length = u16::try_from(app1.len() + 2).unwrap().to_be_bytes();
        let mut out = plain[..2].to_vec(); // SOI
        out.extend_from_slice(&[0xFF, 0xE1, length[0], length[1]]);
        out.extend_from_slice(&app1);
        out.extend_from_slice(&plain[2..]);
        out
    }

    /// CRC-32 (IEEE), as PNG chunks carry it.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = u32::MAX;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_jpeg_is_turned_upright_and_loses_its_metadata() {
        let upload = jpeg_with_exif(120, 60);
        assert!(contains(&upload, b"GPS-CANARY"), "the test file carries the marker");
        let photo = reencode(&upload).unwrap();
        assert!(!contains(&photo.jpeg, b"GPS-CANARY"));
        assert!(!contains(&photo.jpeg, b"Exif"));
        // Orientation 6 turns the 120×60 picture into a 60×120 one.
        assert_eq!((photo.width, photo.height), (60, 120));
        let decoded = image::load_from_memory(&photo.jpeg).unwrap();
        assert_eq!(image::guess_format(&photo.jpeg).unwrap(), ImageFormat::Jpeg);
        assert_eq!((decoded.width(), decoded.height()), (60, 120));
    }

    #[test]
    fn a_large_png_is_scaled_down_and_its_transparency_becomes_white() {
        let photo = reencode(&png(1600, 1000)).unwrap();
        assert_eq!((photo.width, photo.height), (800, 500));
        let decoded = image::load_from_memory(&photo.jpeg).unwrap().to_rgb8();
        let left = decoded.get_pixel(100, 250).0;
        let right = decoded.get_pixel(700, 250).0;
        assert!(left[0] > 150 && left[1] < 80, "the opaque half keeps its colour: {left:?}");
        assert!(right.iter().all(|c| *c > 240), "the transparent half is white: {right:?}");
    }

    #[test]
    fn small_photos_keep_their_size() {
        let photo = reencode(&png(300, 400)).unwrap();
        assert_eq!((photo.width, photo.height), (300, 400));
    }

    #[test]
    fn other_files_are_refused_with_a_reason() {
        assert_eq!(reencode(b""), Err(PhotoProblem::Empty));
        assert_eq!(reencode(b"GIF89a\x01\x00\x01\x00"), Err(PhotoProblem::NotPngOrJpeg));
        assert_eq!(reencode(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), Err(PhotoProblem::NotPngOrJpeg));
        assert_eq!(reencode(&vec![0u8; PHOTO_MAX_BYTES + 1]), Err(PhotoProblem::TooLarge));
        let mut truncated = png(200, 200);
        truncated.truncate(60);
        assert_eq!(reencode(&truncated), Err(PhotoProblem::Unreadable));
    }

    #[test]
    fn claimed_dimensions_beyond_the_limit_are_refused_before_decoding() {
        // A valid PNG header claiming 20,000 × 20,000 pixels (1.6 GB decoded).
        let mut header = png(1, 1);
        header[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        header[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        let crc = crc32(&header[12..29]).to_be_bytes();
        header[29..33].copy_from_slice(&crc);
        assert_eq!(reencode(&header), Err(PhotoProblem::TooManyPixels));
    }
}
