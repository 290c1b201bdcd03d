//! Animated GIFs of slice series: one frame per output time, each the
//! slice figure of that time (drawn on the series' one colour range, with
//! its colour bar), all in one global palette, so that a colour stands
//! for the same value in every frame. Frames are written as they come.

use image::RgbImage;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter};
use std::path::Path;

use super::colormap::viridis;
use super::png::{BLACK, GREY, WHITE};

/// Time each frame is shown, in hundredths of a second.
pub const FRAME_DELAY_CS: u16 = 25;

/// Palette entries given to viridis; the other three are the figure's
/// white, black and grey.
const RAMP: usize = 253;

/// The palette: white, black, grey, then viridis from 0 to 1 in
/// [`RAMP`] steps.
fn palette() -> Vec<[u8; 3]> {
    let mut p = vec![WHITE, BLACK, GREY];
    p.extend((0..RAMP).map(|i| viridis(i as f32 / (RAMP - 1) as f32)));
    p
}

/// One animation being written.
pub struct Animation {
    encoder: gif::Encoder<BufWriter<File>>,
    width: u16,
    height: u16,
    palette: Vec<[u8; 3]>,
    /// Palette index of every colour met so far.
    index: HashMap<[u8; 3], u8>,
}

fn gif_error(e: gif::EncodingError) -> io::Error {
    match e {
        gif::EncodingError::Io(e) => e,
        e => io::Error::other(e),
    }
}

impl Animation {
    /// Start an animation of `width` × `height` px at `path`, looping forever.
    pub fn create(path: &Path, width: u32, height: u32) -> io::Result<Animation> {
        let side = |n: u32| {
            u16::try_from(n).map_err(|_| io::Error::other(format!("a GIF frame is at most 65535 px, not {n}")))
        };
        let (w, h) = (side(width)?, side(height)?);
        let palette = palette();
        let flat: Vec<u8> = palette.iter().flatten().copied().collect();
        let file = BufWriter::new(File::create(path)?);
        let mut encoder = gif::Encoder::new(file, w, h, &flat).map_err(gif_error)?;
        encoder.set_repeat(gif::Repeat::Infinite).map_err(gif_error)?;
        Ok(Animation { encoder, width: w, height: h, palette, index: HashMap::new() })
    }

    /// The palette entry shown for `c`: itself where the palette has it,
    /// else the nearest (the same entry every time).
    fn entry(&mut self, c: [u8; 3]) -> u8 {
        if let Some(&i) = self.index.get(&c) {
            return i;
        }
        let d = |p: &[u8; 3]| (0..3).map(|k| (i32::from(p[k]) - i32::from(c[k])).pow(2)).sum::<i32>();
        let best = (0..self.palette.len()).min_by_key(|&i| d(&self.palette[i])).unwrap_or(0) as u8;
        self.index.insert(c, best);
        best
    }

    /// Append `img` as the next frame (cut or padded with white to the
    /// animation's size).
    pub fn frame(&mut self, img: &RgbImage) -> io::Result<()> {
        let (w, h) = (u32::from(self.width), u32::from(self.height));
        let mut buffer = Vec::with_capacity(w as usize * h as usize);
        for y in 0..h {
            for x in 0..w {
                let c = if x < img.width() && y < img.height() { img.get_pixel(x, y).0 } else { WHITE };
                buffer.push(self.entry(c));
            }
        }
        let frame = gif::Frame {
            delay: FRAME_DELAY_CS,
            width: self.width,
            height: self.height,
            buffer: buffer.into(),
            ..gif::Frame::default()
        };
        self.encoder.write_frame(&frame).map_err(gif_error)
    }

    /// Write the trailer and flush the file.
    pub fn finish(self) -> io::Result<()> {
        let mut file = self.encoder.into_inner().map_err(gif_error)?;
        io::Write::flush(&mut file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_decode_to_the_palette_colours_they_were_given() {
        let path = std::env::temp_dir().join(format!("oncovox_animation_{}.gif", std::process::id()));
        let mut a = Animation::create(&path, 4, 2).unwrap();
        let mut img = RgbImage::from_pixel(3, 2, image::Rgb(WHITE));
        img.put_pixel(0, 0, image::Rgb(viridis(0.0)));
        img.put_pixel(1, 0, image::Rgb(BLACK));
        img.put_pixel(2, 1, image::Rgb([250, 0, 0]));
        a.frame(&img).unwrap();
        a.frame(&img).unwrap();
        a.finish().unwrap();
        let mut opts = gif::DecodeOptions::new();
        opts.set_color_output(gif::ColorOutput::RGBA);
        let mut d = opts.read_info(File::open(&path).unwrap()).unwrap();
        let mut frames = Vec::new();
        while let Some(f) = d.read_next_frame().unwrap() {
            frames.push(f.buffer.to_vec());
        }
        std::fs::remove_file(&path).ok();
        assert_eq!(frames.len(), 2);
        let px = |x: usize, y: usize| -> [u8; 3] { std::array::from_fn(|k| frames[1][4 * (y * 4 + x) + k]) };
        assert_eq!((px(0, 0), px(1, 0), px(3, 0)), (viridis(0.0), BLACK, WHITE), "exact colours, padding white");
        assert_ne!(px(2, 1), [250, 0, 0], "a colour off the palette is shown as its nearest entry");
        assert_eq!(frames[0], frames[1]);
    }
}
