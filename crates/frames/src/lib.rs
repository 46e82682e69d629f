//! Camera-like frames of a barcode symbol, made from a seed so every run sees the same pixels.
//!
//! A symbol's modules (dark/light, quiet zone included) are drawn on a sheet of paper lying on
//! a darker surface, seen by a 640×480 greyscale camera: position, size, rotation and
//! perspective; lens blur; uneven light; sensor noise; JPEG compression. Each [`Class`] is one
//! degradation on top of a mild baseline (a little blur and sensor noise, as every camera has).
//!
//! It is a crate of its own so its pixel loops can be built optimised in the test profile
//! (`[profile.dev.package.lotline-frames]` in Lotline's Cargo.toml): 5,000 frames a test run.

/// Frame size: a VGA camera.
pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 480;

/// One kind of degradation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// Upright, sharp, well lit (the baseline only).
    Clean,
    /// Strong Gaussian sensor noise (σ 14–30 grey levels).
    Noise,
    /// Out of focus (Gaussian σ 0.3–0.55 module).
    Blur,
    /// The label tilted towards or away from the camera (corners moved by up to 20 % of size).
    Perspective,
    /// Any angle in the image plane.
    Rotation,
    /// Ink and paper 30–55 grey levels apart.
    LowContrast,
    /// Light falling off to 30–45 % across the frame, with a bright spot.
    UnevenLight,
    /// 1.3–1.9 pixels a module.
    SmallModules,
    /// JPEG at quality 15–35.
    Jpeg,
}

impl Class {
    pub const ALL: [Class; 9] = [
        Class::Clean,
        Class::Noise,
        Class::Blur,
        Class::Perspective,
        Class::Rotation,
        Class::LowContrast,
        Class::UnevenLight,
        Class::SmallModules,
        Class::Jpeg,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Class::Clean => "clean",
            Class::Noise => "noise",
            Class::Blur => "blur",
            Class::Perspective => "perspective",
            Class::Rotation => "rotation",
            Class::LowContrast => "low-contrast",
            Class::UnevenLight => "uneven-light",
            Class::SmallModules => "small-modules",
            Class::Jpeg => "jpeg",
        }
    }
}

/// A symbol as modules: `dark[y * width + x]`, quiet zone included (light).
#[derive(Debug, Clone)]
pub struct Modules {
    pub width: u32,
    pub height: u32,
    pub dark: Vec<bool>,
    /// A linear symbol (bars): its height is free, and it is drawn at a typical aspect.
    pub linear: bool,
}

/// SplitMix64: small, fast and the same on every platform and version.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f32 {
        let u1 = self.unit().max(1e-7);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
    }
}

/// How one frame is seen. [`Scene::for_class`] draws one from a seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    /// Pixels per module.
    pub module_px: f32,
    /// Rotation in the image plane, degrees.
    pub angle_deg: f32,
    /// Centre of the symbol in the frame.
    pub centre: (f32, f32),
    /// Corner displacements (fractions of the symbol's size) for perspective: TL, TR, BR, BL.
    pub warp: [(f32, f32); 4],
    /// Grey levels of ink, paper and the surface the paper lies on.
    pub ink: f32,
    pub paper: f32,
    pub surface: f32,
    /// Lens blur, Gaussian σ in pixels.
    pub blur_px: f32,
    /// Sensor noise, Gaussian σ in grey levels.
    pub noise: f32,
    /// Light: the factor falls linearly from 1 to `light_min` along `light_dir` (radians), and
    /// a bright spot adds `spot` at `spot_at`.
    pub light_min: f32,
    pub light_dir: f32,
    pub spot: f32,
    pub spot_at: (f32, f32),
    /// JPEG quality, when the frame goes through JPEG.
    pub jpeg_quality: Option<u8>,
}

impl Scene {
    /// A scene of `class` for a symbol of `modules`, drawn from `rng`.
    pub fn for_class(class: Class, modules: &Modules, rng: &mut Rng) -> Scene {
        // Baseline: what a decent camera over a label gives.
        let (w, h) = symbol_size_modules(modules);
        let fit = 0.85 * (WIDTH as f32 / w).min(HEIGHT as f32 / h);
        let preferred = if modules.linear {
            rng.range(2.2, 3.2)
        } else {
            rng.range(3.5, 6.0)
        };
        let mut s = Scene {
            module_px: preferred.min(fit),
            angle_deg: rng.range(-4.0, 4.0),
            centre: (
                WIDTH as f32 / 2.0 + rng.range(-30.0, 30.0),
                HEIGHT as f32 / 2.0 + rng.range(-25.0, 25.0),
            ),
            warp: [(0.0, 0.0); 4],
            ink: rng.range(25.0, 50.0),
            paper: rng.range(205.0, 235.0),
            surface: rng.range(80.0, 150.0),
            blur_px: rng.range(0.4, 0.7),
            noise: rng.range(1.5, 3.5),
            light_min: rng.range(0.85, 1.0),
            light_dir: rng.range(0.0, std::f32::consts::TAU),
            spot: 0.0,
            spot_at: (rng.range(0.0, WIDTH as f32), rng.range(0.0, HEIGHT as f32)),
            jpeg_quality: None,
        };
        match class {
            Class::Clean => {}
            Class::Noise => s.noise = rng.range(14.0, 30.0),
            Class::Blur => s.blur_px = s.module_px * rng.range(0.3, 0.55),
            Class::Perspective => {
                for corner in &mut s.warp {
                    *corner = (rng.range(-0.2, 0.2), rng.range(-0.2, 0.2));
                }
                s.module_px = s.module_px.min(fit * 0.8);
            }
            Class::Rotation => {
                s.angle_deg = rng.range(0.0, 360.0);
                // Turned, the symbol's diagonal must fit the frame.
                let diag = (w * w + h * h).sqrt();
                s.module_px = s.module_px.min(0.9 * HEIGHT as f32 / diag).max(1.2);
            }
            Class::LowContrast => {
                let mid = rng.range(100.0, 160.0);
                let gap = rng.range(30.0, 55.0);
                s.ink = mid - gap / 2.0;
                s.paper = mid + gap / 2.0;
                s.surface = mid + rng.range(-40.0, 40.0);
            }
            Class::UnevenLight => {
                s.light_min = rng.range(0.3, 0.45);
                s.spot = rng.range(30.0, 70.0);
            }
            Class::SmallModules => s.module_px = rng.range(1.3, 1.9).min(fit),
            Class::Jpeg => {
                s.jpeg_quality = Some(rng.range(15.0, 35.0) as u8);
                s.noise = rng.range(3.0, 6.0);
            }
        }
        s
    }
}

/// Width and height drawn, in modules (linear symbols get bars 22 % of their length, at least
/// 30 modules).
fn symbol_size_modules(m: &Modules) -> (f32, f32) {
    let h = if m.linear {
        (m.width as f32 * 0.22).max(30.0)
    } else {
        m.height as f32
    };
    (m.width as f32, h)
}

/// The frame: `WIDTH × HEIGHT` grey bytes, row by row.
pub fn render(m: &Modules, scene: &Scene, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed.wrapping_mul(31).wrapping_add(7));
    let (wm, hm) = symbol_size_modules(m);
    // The paper extends 3 modules beyond the quiet zone.
    let margin = 3.0;
    let (pw, ph) = (wm + 2.0 * margin, hm + 2.0 * margin);
    // Corners of the paper in the frame: scaled, warped, rotated, moved.
    let (sin, cos) = scene.angle_deg.to_radians().sin_cos();
    let corners_local = [(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)];
    let mut quad = [(0.0f32, 0.0f32); 4];
    for (i, &(cx, cy)) in corners_local.iter().enumerate() {
        let (dx, dy) = scene.warp[i];
        let x = (cx + dx) * pw * scene.module_px;
        let y = (cy + dy) * ph * scene.module_px;
        quad[i] = (
            scene.centre.0 + x * cos - y * sin,
            scene.centre.1 + x * sin + y * cos,
        );
    }
    // Frame pixel -> paper coordinates (in modules, 0..pw × 0..ph).
    let to_paper = quad_to_square(quad).map(|h| scale(h, pw, ph));
    let mut img = vec![0f32; (WIDTH * HEIGHT) as usize];
    let sub = [0.25f32, 0.75];
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let mut acc = 0.0;
            for &oy in &sub {
                for &ox in &sub {
                    let v = match to_paper {
                        Some(t) => {
                            let (u, v) = apply(&t, x as f32 + ox, y as f32 + oy);
                            shade(m, scene, u - margin, v - margin, pw - 2.0 * margin, hm)
                                .unwrap_or(scene.surface)
                        }
                        None => scene.surface,
                    };
                    acc += v;
                }
            }
            img[(y * WIDTH + x) as usize] = acc / 4.0;
        }
    }
    if scene.blur_px > 0.05 {
        gaussian_blur(&mut img, WIDTH as usize, HEIGHT as usize, scene.blur_px);
    }
    // Light, then sensor noise.
    let (ldx, ldy) = (scene.light_dir.cos(), scene.light_dir.sin());
    let span = (WIDTH as f32 * ldx.abs() + HEIGHT as f32 * ldy.abs()).max(1.0);
    let offset = (if ldx < 0.0 { -ldx * WIDTH as f32 } else { 0.0 })
        + (if ldy < 0.0 { -ldy * HEIGHT as f32 } else { 0.0 });
    let spot_r2 = (0.25 * WIDTH as f32).powi(2);
    // Sensor noise from a table of normal samples drawn for this frame (a Box–Muller per
    // pixel would cost more than the rest of the frame).
    let normals: Vec<f32> = (0..4096).map(|_| rng.normal()).collect();
    let mut out = vec![0u8; img.len()];
    for y in 0..HEIGHT as usize {
        for x in 0..WIDTH as usize {
            let t = ((x as f32 * ldx + y as f32 * ldy + offset) / span).clamp(0.0, 1.0);
            let light = 1.0 - (1.0 - scene.light_min) * t;
            let d2 = (x as f32 - scene.spot_at.0).powi(2) + (y as f32 - scene.spot_at.1).powi(2);
            let spot = scene.spot * (-d2 / spot_r2).exp();
            let n = normals[(rng.next_u64() >> 52) as usize];
            let v = img[y * WIDTH as usize + x] * light + spot + scene.noise * n;
            out[y * WIDTH as usize + x] = v.round().clamp(0.0, 255.0) as u8;
        }
    }
    if let Some(q) = scene.jpeg_quality {
        out = through_jpeg(out, q);
    }
    out
}

/// The grey level at (u, v) modules from the symbol's top-left (quiet zone included), or
/// `None` off the paper. `w`, `h`: the symbol's drawn size in modules.
fn shade(m: &Modules, s: &Scene, u: f32, v: f32, w: f32, h: f32) -> Option<f32> {
    let margin = 3.0;
    if u < -margin || v < -margin || u >= w + margin || v >= h + margin {
        return None;
    }
    if u < 0.0 || v < 0.0 || u >= w || v >= h {
        return Some(s.paper);
    }
    let x = (u as u32).min(m.width - 1);
    let y = if m.linear {
        // Bars: a linear symbol's quiet zone is left and right only; rows are all the same.
        0
    } else {
        (v as u32).min(m.height - 1)
    };
    Some(if m.dark[(y * m.width + x) as usize] {
        s.ink
    } else {
        s.paper
    })
}

type Homography = [f32; 9];

fn apply(h: &Homography, x: f32, y: f32) -> (f32, f32) {
    let d = h[6] * x + h[7] * y + h[8];
    (
        (h[0] * x + h[1] * y + h[2]) / d,
        (h[3] * x + h[4] * y + h[5]) / d,
    )
}

/// Unit square -> quad (Heckbert's projective mapping).
fn square_to_quad(q: [(f32, f32); 4]) -> Homography {
    let [(x0, y0), (x1, y1), (x2, y2), (x3, y3)] = q;
    let (dx3, dy3) = (x0 - x1 + x2 - x3, y0 - y1 + y2 - y3);
    if dx3.abs() < 1e-9 && dy3.abs() < 1e-9 {
        return [x1 - x0, x2 - x1, x0, y1 - y0, y2 - y1, y0, 0.0, 0.0, 1.0];
    }
    let (dx1, dx2, dy1, dy2) = (x1 - x2, x3 - x2, y1 - y2, y3 - y2);
    let den = dx1 * dy2 - dx2 * dy1;
    let a13 = (dx3 * dy2 - dx2 * dy3) / den;
    let a23 = (dx1 * dy3 - dx3 * dy1) / den;
    [
        x1 - x0 + a13 * x1,
        x3 - x0 + a23 * x3,
        x0,
        y1 - y0 + a13 * y1,
        y3 - y0 + a23 * y3,
        y0,
        a13,
        a23,
        1.0,
    ]
}

/// Quad -> unit square: the inverse (adjugate) of [`square_to_quad`].
fn quad_to_square(q: [(f32, f32); 4]) -> Option<Homography> {
    let [a, b, c, d, e, f, g, h, i] = square_to_quad(q);
    let adj = [
        e * i - f * h,
        c * h - b * i,
        b * f - c * e,
        f * g - d * i,
        a * i - c * g,
        c * d - a * f,
        d * h - e * g,
        b * g - a * h,
        a * e - b * d,
    ];
    adj.iter().all(|v| v.is_finite()).then_some(adj)
}

fn scale(h: Homography, sx: f32, sy: f32) -> Homography {
    [
        h[0] * sx,
        h[1] * sx,
        h[2] * sx,
        h[3] * sy,
        h[4] * sy,
        h[5] * sy,
        h[6],
        h[7],
        h[8],
    ]
}

/// Separable Gaussian blur, edges clamped.
fn gaussian_blur(img: &mut [f32], w: usize, h: usize, sigma: f32) {
    let r = (3.0 * sigma).ceil() as isize;
    let kernel: Vec<f32> = (-r..=r)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f32 = kernel.iter().sum();
    let kernel: Vec<f32> = kernel.iter().map(|k| k / sum).collect();
    let mut tmp = vec![0f32; img.len()];
    for y in 0..h {
        let row = &img[y * w..(y + 1) * w];
        for x in 0..w {
            let mut acc = 0.0;
            for (k, &kv) in kernel.iter().enumerate() {
                let sx = (x as isize + k as isize - r).clamp(0, w as isize - 1) as usize;
                acc += row[sx] * kv;
            }
            tmp[y * w + x] = acc;
        }
    }
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (k, &kv) in kernel.iter().enumerate() {
                let sy = (y as isize + k as isize - r).clamp(0, h as isize - 1) as usize;
                acc += tmp[sy * w + x] * kv;
            }
            img[y * w + x] = acc;
        }
    }
}

fn through_jpeg(luma: Vec<u8>, quality: u8) -> Vec<u8> {
    let img = image::GrayImage::from_raw(WIDTH, HEIGHT, luma).expect("a whole frame");
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(&img)
        .expect("JPEG to memory");
    image::load_from_memory(&bytes)
        .expect("our own JPEG decodes")
        .to_luma8()
        .into_raw()
}

/// A binary PGM (P5) of a frame: what the zxing-cpp peer and `image:-` read.
pub fn pgm(luma: &[u8]) -> Vec<u8> {
    let mut out = format!("P5\n{WIDTH} {HEIGHT}\n255\n").into_bytes();
    out.extend_from_slice(luma);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_square_maps_to_its_quad_and_back() {
        let q = [(10.0, 20.0), (110.0, 25.0), (120.0, 140.0), (5.0, 130.0)];
        let h = square_to_quad(q);
        for (i, (u, v)) in [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
            .iter()
            .enumerate()
        {
            let (x, y) = apply(&h, *u, *v);
            assert!(
                (x - q[i].0).abs() < 1e-3 && (y - q[i].1).abs() < 1e-3,
                "{i}"
            );
            let (bu, bv) = apply(&quad_to_square(q).unwrap(), x, y);
            assert!((bu - u).abs() < 1e-4 && (bv - v).abs() < 1e-4, "{i}");
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_frame() {
        let m = Modules {
            width: 21,
            height: 21,
            dark: (0..441).map(|i| i % 3 == 0).collect(),
            linear: false,
        };
        let s = Scene::for_class(Class::Noise, &m, &mut Rng::new(1));
        assert_eq!(render(&m, &s, 1), render(&m, &s, 1));
        assert_ne!(render(&m, &s, 1), render(&m, &s, 2));
    }
}
