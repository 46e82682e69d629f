//! Pre-processing of greyscale frames before they are decoded (Lotline's `barcode::decode`).
//! Pure functions over 8-bit grey pixels, row by row, no dependencies.
//!
//! A crate of its own so it can be built optimised in Lotline's debug and test builds
//! (`[profile.dev.package.lotline-imaging]`): these loops touch every pixel of every camera
//! frame, and unoptimised they cost more than the decoding itself.

/// An owned grey image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gray {
    pub px: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// The image halved by a 2×2 mean (sensor noise averages out, blurred edges get steeper), or
/// `None` when the result would be under 40 px on a side.
pub fn half(px: &[u8], width: u32, height: u32) -> Option<Gray> {
    let (w, h) = (width / 2, height / 2);
    if w < 40 || h < 40 || px.len() < (width * height) as usize {
        return None;
    }
    let stride = width as usize;
    let mut out = Vec::with_capacity((w * h) as usize);
    for y in 0..h as usize {
        let r0 = &px[2 * y * stride..(2 * y + 1) * stride];
        let r1 = &px[(2 * y + 1) * stride..(2 * y + 2) * stride];
        for x in 0..w as usize {
            let s =
                r0[2 * x] as u16 + r0[2 * x + 1] as u16 + r1[2 * x] as u16 + r1[2 * x + 1] as u16;
            out.push(((s + 2) / 4) as u8);
        }
    }
    Some(Gray {
        px: out,
        width: w,
        height: h,
    })
}

/// The image doubled by bilinear interpolation: modules of 1.3–2 px become 2.6–4 px, which
/// the binariser and the bar-width measurements need.
pub fn double(px: &[u8], width: u32, height: u32) -> Option<Gray> {
    if width < 2 || height < 2 || px.len() < (width * height) as usize {
        return None;
    }
    let (w, h) = (width as usize, height as usize);
    let (ow, oh) = (2 * w, 2 * h);
    let mut out = vec![0u8; ow * oh];
    for oy in 0..oh {
        // Output pixel centres at (o + 0.5) / 2 - 0.5 in the source.
        let sy = ((oy as f32 + 0.5) / 2.0 - 0.5).clamp(0.0, (h - 1) as f32);
        let y0 = (sy as usize).min(h - 2);
        let fy = sy - y0 as f32;
        let (r0, r1) = (&px[y0 * w..(y0 + 1) * w], &px[(y0 + 1) * w..(y0 + 2) * w]);
        let row = &mut out[oy * ow..(oy + 1) * ow];
        for (ox, o) in row.iter_mut().enumerate() {
            let sx = ((ox as f32 + 0.5) / 2.0 - 0.5).clamp(0.0, (w - 1) as f32);
            let x0 = (sx as usize).min(w - 2);
            let fx = sx - x0 as f32;
            let top = r0[x0] as f32 * (1.0 - fx) + r0[x0 + 1] as f32 * fx;
            let bottom = r1[x0] as f32 * (1.0 - fx) + r1[x0 + 1] as f32 * fx;
            *o = (top * (1.0 - fy) + bottom * fy + 0.5) as u8;
        }
    }
    Some(Gray {
        px: out,
        width: ow as u32,
        height: oh as u32,
    })
}

/// A line of pixels interpolated to twice its length.
pub fn double_line(px: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 * px.len());
    for (i, &p) in px.iter().enumerate() {
        let next = *px.get(i + 1).unwrap_or(&p);
        out.push(p);
        out.push(((p as u16 + next as u16 + 1) / 2) as u8);
    }
    out
}

/// The grey levels stretched so the darkest 1 % and the lightest 1 % reach 0 and 255, or
/// `None` when the image already spans most of the range (nothing to gain).
pub fn stretch(px: &[u8]) -> Option<Vec<u8>> {
    let mut hist = [0u32; 256];
    for &p in px {
        hist[p as usize] += 1;
    }
    let cut = (px.len() / 100) as u32;
    let (mut lo, mut acc) = (0usize, 0u32);
    while lo < 255 && acc + hist[lo] <= cut {
        acc += hist[lo];
        lo += 1;
    }
    let (mut hi, mut acc) = (255usize, 0u32);
    while hi > 0 && acc + hist[hi] <= cut {
        acc += hist[hi];
        hi -= 1;
    }
    if hi <= lo || hi - lo > 160 {
        return None;
    }
    let span = (hi - lo) as f32;
    let map: Vec<u8> = (0..256)
        .map(|v| (((v as f32 - lo as f32) * 255.0 / span).clamp(0.0, 255.0) + 0.5) as u8)
        .collect();
    Some(px.iter().map(|&p| map[p as usize]).collect())
}

/// Bounding boxes (with a quiet margin) of dark connected regions shaped like a DataMatrix:
/// square or rectangular (up to 4:1), at least 12 px, with two adjacent edges almost entirely dark.
pub fn datamatrix_candidates(luma: &[u8], width: u32, height: u32) -> Vec<(u32, u32, u32, u32)> {
    let (w, h) = (width as usize, height as usize);
    let dark = |i: usize| luma[i] < 128;
    let mut seen = vec![false; w * h];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if seen[start] || !dark(start) {
            continue;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        seen[start] = true;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            let neighbours = [
                (x > 0).then(|| i - 1),
                (x + 1 < w).then(|| i + 1),
                (y > 0).then(|| i - w),
                (y + 1 < h).then(|| i + w),
            ];
            for n in neighbours.into_iter().flatten() {
                if !seen[n] && dark(n) {
                    seen[n] = true;
                    stack.push(n);
                }
            }
        }
        let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
        if bw < 12 || bh < 12 || bw * 4 < bh || bh * 4 < bw || bw * bh * 2 > w * h {
            continue;
        }
        let share = |pixels: &mut dyn Iterator<Item = usize>, n: usize| {
            pixels.filter(|&i| dark(i)).count() * 10 >= n * 9
        };
        let left = share(&mut (y0..=y1).map(|y| y * w + x0), bh);
        let right = share(&mut (y0..=y1).map(|y| y * w + x1), bh);
        let top = share(&mut (x0..=x1).map(|x| y0 * w + x), bw);
        let bottom = share(&mut (x0..=x1).map(|x| y1 * w + x), bw);
        if (left || right) && (top || bottom) {
            let m = bw.max(bh) / 4 + 4;
            out.push((
                x0.saturating_sub(m) as u32,
                y0.saturating_sub(m) as u32,
                (x1 + 1 + m).min(w) as u32,
                (y1 + 1 + m).min(h) as u32,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halving_averages_and_doubling_interpolates() {
        let px = vec![0, 100, 200, 50, 0, 100, 200, 50];
        assert_eq!(half(&px, 4, 2), None, "too small to be worth it");
        let big = vec![10u8; 100 * 100];
        let h = half(&big, 100, 100).unwrap();
        assert_eq!((h.width, h.height), (50, 50));
        assert!(h.px.iter().all(|&p| p == 10));
        let d = double(&[0, 255, 0, 255], 2, 2).unwrap();
        assert_eq!((d.width, d.height), (4, 4));
        assert_eq!(&d.px[..4], &[0, 64, 191, 255]);
    }

    #[test]
    fn a_low_contrast_image_is_stretched_and_a_full_one_left() {
        let px: Vec<u8> = (0..1000).map(|i| 100 + (i % 41) as u8).collect();
        let s = stretch(&px).unwrap();
        assert_eq!(
            (*s.iter().min().unwrap(), *s.iter().max().unwrap()),
            (0, 255)
        );
        let full: Vec<u8> = (0..1000).map(|i| (i % 256) as u8).collect();
        assert_eq!(stretch(&full), None);
    }

    #[test]
    fn a_datamatrix_like_square_is_a_candidate() {
        let (w, h) = (60u32, 60u32);
        let mut px = vec![255u8; (w * h) as usize];
        for y in 20..40 {
            for x in 20..40 {
                // Solid left column and bottom row (the "L"), a checkerboard inside.
                if x == 20 || y == 39 || (x + y) % 2 == 0 {
                    px[(y * w + x) as usize] = 0;
                }
            }
        }
        let c = datamatrix_candidates(&px, w, h);
        assert_eq!(c.len(), 1, "{c:?}");
    }
}
