//! Labels end to end through the real binary: every shipped template rendered to PDF and PNG,
//! rasterised (pdftoppm at 203 and 300 dpi) and decoded back with rxing and with independent
//! decoders (zbarimg for linear and QR, dmtxread for DataMatrix). The data read back, GS1
//! separators and FNC1 included, must be exactly what the template meant. Images and fonts are
//! checked where they land on the page; ZPL is checked command by command.

mod decoders;
mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use decoders::{GS, dmtx_reads, lotline, ok, rasterise, rxing_reads, zbar_reads};
use lotline::label::{Item, Template, lay_out};

/// `lotline label render --template T --sample --out OUT EXTRA…`, with the label assets
/// folder set to `assets` when given.
fn label_render(assets: Option<&Path>, template: &str, out: &Path, extra: &[&str]) -> Output {
    let mut cmd = support::lotline();
    if let Some(assets) = assets {
        cmd.env("LOTLINE_ASSETS", assets);
    }
    cmd.args([
        "label",
        "render",
        "--template",
        template,
        "--sample",
        "--out",
    ])
    .arg(out)
    .args(extra)
    .output()
    .expect("lotline runs")
}

fn render(template: &str, out: &Path, extra: &[&str]) {
    ok(label_render(None, template, out, extra));
}

fn pages(pdf: &Path) -> usize {
    let info =
        String::from_utf8(Command::new("pdfinfo").arg(pdf).output().unwrap().stdout).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("pdfinfo: {info}"))
}

/// What each barcode of a template's sample label encodes: (AIM id, data with GS).
fn meant(template: &str) -> Vec<(String, String)> {
    let t = Template::load(template).unwrap();
    encoded(&lay_out(&t, &t.sample).unwrap())
}

/// What each barcode of a laid-out label encodes: (AIM id, data with GS).
fn encoded(layout: &lotline::label::Layout) -> Vec<(String, String)> {
    layout
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Barcode(b) => Some(b),
            _ => None,
        })
        .map(|b| {
            let aim = match b.symbol.symbology.name() {
                "gs1-128" => "]C1",
                "gs1-datamatrix" => "]d2",
                "gs1-qr" => "]Q3",
                "qr" => "]Q1",
                other => panic!("add the AIM id for {other}"),
            };
            (aim.to_string(), b.data.clone())
        })
        .collect()
}

/// Every symbol of the template's sample label is in the image, read by rxing and by an
/// independent decoder, FNC1 first and separators included.
fn check_image(template: &str, png: &Path) {
    check_symbols(template, &meant(template), png);
}

/// Every symbol `meant` is in the image, read by rxing and by an independent decoder, FNC1
/// first and separators included.
fn check_symbols(what: &str, meant: &[(String, String)], png: &Path) {
    assert!(!meant.is_empty(), "{what} has no barcode to check");
    let read = rxing_reads(png);
    let zbar = zbar_reads(png);
    let what = format!("{what} {}", png.display());
    for (aim, data) in meant {
        assert!(
            read.contains(&(aim.clone(), data.clone())),
            "{what}: rxing read {read:?}, meant {aim}{data:?}"
        );
        match aim.as_str() {
            // dmtxread -G shows FNC1 as GS: the leading one is the GS1 DataMatrix flag.
            "]d2" => assert_eq!(dmtx_reads(png), format!("{GS}{data}"), "{what}: dmtxread"),
            _ => {
                let kind = if aim == "]C1" { "CODE-128" } else { "QR-Code" };
                let gs1 = aim != "]Q1";
                assert!(
                    zbar.iter()
                        .any(|z| z.kind == kind && z.gs1 == gs1 && &z.data == data),
                    "{what}: zbarimg read {zbar:?}, meant {kind} (GS1 {gs1}) {data:?}"
                );
            }
        }
    }
}

/// A label whose GS1 data needs separators in every symbology (the shipped templates put
/// the one variable-length AI last, so they need none): (10) before (17) in GS1-128 and GS1
/// DataMatrix, (10) before (21) in GS1 QR, and a Digital Link QR beside them.
fn separators_template(with_gs1_qr: bool, dpi: u32) -> String {
    let mut t = format!("format = 1\nname = \"separators\"\ndpi = {dpi}\n");
    t.push_str(
        r#"width_mm = 100
height_mm = 60
[sample]
gtin = "09501101530003"
batch = "AB-12"
expiry = "271231"
serial = "S1"
[[element]]
kind = "barcode"
x_mm = 2
y_mm = 2
symbology = "gs1-128"
data = "(01){gtin}(10){batch}(17){expiry}"
module_mm = 0.25
height_mm = 12
[[element]]
kind = "barcode"
x_mm = 2
y_mm = 26
symbology = "gs1-datamatrix"
data = "(01){gtin}(10){batch}(17){expiry}"
module_mm = 0.5
[[element]]
kind = "barcode"
x_mm = 60
y_mm = 26
symbology = "qr"
digital_link = true
data = "(01){gtin}(10){batch}(17){expiry}"
module_mm = 0.5
"#,
    );
    if with_gs1_qr {
        t.push_str(
            r#"[[element]]
kind = "barcode"
x_mm = 24
y_mm = 26
symbology = "gs1-qr"
data = "(01){gtin}(10){batch}(21){serial}"
module_mm = 0.5
"#,
        );
    }
    t
}

#[test]
fn every_shipped_template_reads_back_from_pdf_at_203_and_300_dpi_and_from_png() {
    let dir = tempfile::tempdir().unwrap();
    let mut templates = lotline::label::template::shipped();
    assert!(templates.len() >= 4, "{templates:?}");
    // The separators label for 203 and for 300 dpi printers: PNG previews at both.
    for dpi in [203, 300] {
        let path = dir.path().join(format!("separators-{dpi}.toml"));
        std::fs::write(&path, separators_template(true, dpi)).unwrap();
        templates.push(path.to_str().unwrap().to_string());
    }
    for template in &templates {
        let stem = Path::new(template).file_stem().unwrap().to_str().unwrap();
        let pdf = dir.path().join(format!("{stem}.pdf"));
        render(template, &pdf, &[]);
        for dpi in [203, 300] {
            check_image(template, &rasterise(&pdf, dpi, 1));
        }
        let png = dir.path().join(format!("{stem}.png"));
        render(template, &png, &[]);
        check_image(template, &png);
    }
}

#[test]
fn set_values_replace_the_sample_and_copies_make_pages() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("c.pdf");
    ok(lotline(&[
        "label",
        "render",
        "--template",
        "case-batch",
        "--sample",
        "--set",
        "batch=LOT42",
        "--set",
        "expiry=280615",
        "--copies",
        "3",
        "--out",
        pdf.to_str().unwrap(),
    ]));
    assert_eq!(pages(&pdf), 3);
    let read = rxing_reads(&rasterise(&pdf, 300, 1));
    // The batch is in the DataMatrix; the one GS1-128 has room for the GTIN and the date.
    let dm = "01095011015300031728061510LOT42".to_string();
    let linear = "010950110153000317280615".to_string();
    assert!(
        read.contains(&("]d2".to_string(), dm)) && read.contains(&("]C1".to_string(), linear)),
        "{read:?}"
    );
}

#[test]
fn a_csv_batch_makes_one_label_per_row_in_one_small_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let batch = |rows: usize| {
        let csv = dir.path().join(format!("rows{rows}.csv"));
        let mut text = String::from("product,gtin,batch,expiry,expiry_date\n");
        for i in 0..rows {
            text.push_str(&format!(
                "Passata,09501101530003,B{i:04},271231,2027-12-31\n"
            ));
        }
        std::fs::write(&csv, text).unwrap();
        let pdf = dir.path().join(format!("batch{rows}.pdf"));
        ok(lotline(&[
            "label",
            "batch",
            "--template",
            "case-batch",
            "--csv",
            csv.to_str().unwrap(),
            "--out",
            pdf.to_str().unwrap(),
        ]));
        pdf
    };
    let (one, pdf) = (batch(1), batch(50));
    assert_eq!(pages(&pdf), 50);
    // Each row on its own page, in order: page 37 carries row 37's batch.
    let read = rxing_reads(&rasterise(&pdf, 203, 37));
    assert!(
        read.contains(&("]C1".to_string(), "010950110153000317271231".to_string()))
            && read.contains(&(
                "]d2".to_string(),
                "01095011015300031727123110B0036".to_string()
            )),
        "page 37: {read:?}"
    );
    // The fonts are embedded once, subset: each further label costs under 5 KB.
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    let per_label = (size(&pdf) - size(&one)) / 49;
    assert!(per_label < 5 * 1024, "{per_label} bytes per label");
    let fonts =
        String::from_utf8(Command::new("pdffonts").arg(&pdf).output().unwrap().stdout).unwrap();
    let font_lines: Vec<&str> = fonts.lines().skip(2).collect();
    // DejaVu Sans and its bold, DejaVu Sans Mono and its bold: the faces case-batch uses.
    assert_eq!(font_lines.len(), 4, "{fonts}");
    assert!(
        font_lines.iter().all(|l| l.contains(" yes ")),
        "fonts are embedded:\n{fonts}"
    );
}

/// The `^FD…^FS` data of every field drawn with `command` (e.g. `^BC`).
fn fields<'a>(zpl: &'a str, command: &str) -> Vec<&'a str> {
    zpl.lines()
        .filter(|l| l.contains(command))
        .filter_map(|l| l.split_once("^FD").and_then(|(_, d)| d.strip_suffix("^FS")))
        .collect()
}

#[test]
fn zpl_encodes_fnc1_for_each_barcode_command() {
    let dir = tempfile::tempdir().unwrap();
    // The shipped case label: FNC1 first, no separator ((10) is last).
    let zpl_path = dir.path().join("c.zpl");
    render("case-batch", &zpl_path, &[]);
    let zpl = std::fs::read_to_string(zpl_path).unwrap();
    assert!(zpl.starts_with("^XA") && zpl.trim_end().ends_with("^XZ"));
    assert!(zpl.contains("^FD>;>8010950110153000317271231^FS"), "{zpl}");
    assert!(
        zpl.contains("^BXN,6,200,,,,_^FD_10109501101530003172712311") && zpl.contains("10B2611^FS"),
        "{zpl}"
    );

    // Separators: GS1-128 and GS1 DataMatrix each carry FNC1 first and after the batch.
    let template = dir.path().join("separators.toml");
    std::fs::write(&template, separators_template(false, 203)).unwrap();
    let zpl_path = dir.path().join("s.zpl");
    render(template.to_str().unwrap(), &zpl_path, &[]);
    let zpl = std::fs::read_to_string(&zpl_path).unwrap();
    let element_string = format!("010950110153000310AB-12{GS}17271231");
    // >; start in C, >8 FNC1, digit pairs, >6 to B for the batch, >8 FNC1 as the separator,
    // >5 back to C for the date (src/label/zpl.rs unit tests read such fields back).
    assert_eq!(
        fields(&zpl, "^BC"),
        vec![">;>8010950110153000310>6AB-12>8>517271231"],
        "{zpl}"
    );
    // ^BX with _ as the escape character: _1 is FNC1, first and as the separator.
    assert!(zpl.contains("^BXN,4,200,,,,_^FD"), "{zpl}");
    assert_eq!(
        fields(&zpl, "^BX"),
        vec![format!("_1{}", element_string.replace(GS, "_1"))]
    );
    // ^BQ model 2, the Digital Link URI in automatic mode (no FNC1: a plain ]Q1 symbol).
    assert_eq!(
        fields(&zpl, "^BQ"),
        vec!["MA,https://id.gs1.org/01/09501101530003/10/AB-12?17=271231"],
        "{zpl}"
    );
    assert!(zpl.contains("^BQN,2,4^FD"), "{zpl}");

    // GS1 QR (FNC1 first) has no dependable ZPL form: refused, not printed as plain QR.
    std::fs::write(&template, separators_template(true, 203)).unwrap();
    let o = label_render(
        None,
        template.to_str().unwrap(),
        &dir.path().join("q.zpl"),
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("GS1 QR (FNC1) has no ZPL command"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn raw_printing_sends_the_labels_zpl_to_the_printer_port() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let printer = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut got = String::new();
        conn.read_to_string(&mut got).unwrap();
        got
    });
    ok(lotline(&[
        "label",
        "print",
        "--template",
        "case-batch",
        "--sample",
        "--copies",
        "2",
        "--raw",
        &addr,
    ]));
    let got = printer.join().unwrap();
    assert_eq!(got.matches("^XA").count(), 2, "{got}");
    // Exactly the ZPL `label render` writes for the same labels.
    let dir = tempfile::tempdir().unwrap();
    let zpl = dir.path().join("c.zpl");
    render("case-batch", &zpl, &["--copies", "2"]);
    assert_eq!(got, std::fs::read_to_string(zpl).unwrap());

    // A printer that is off: a clear refusal.
    let o = lotline(&[
        "label",
        "print",
        "--template",
        "case-batch",
        "--sample",
        "--raw",
        "127.0.0.1:1",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot reach the printer"));
}

/// `lotline label print …` with `PATH` starting at `bin` (where a stand-in `lp` lives) and
/// the station config `config`.
fn label_print(bin: &Path, config: &Path, extra: &[&str]) -> Output {
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    support::lotline()
        .env("PATH", path)
        .env("LOTLINE_CONFIG", config)
        .args(["label", "print", "--template", "case-batch", "--sample"])
        .args(extra)
        .output()
        .expect("lotline runs")
}

#[test]
fn cups_and_folder_printing_spool_a_pdf_that_scans_and_say_why_they_failed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    // A stand-in for CUPS's `lp`: keeps its arguments and the job it was piped; the queue
    // `jammed` does not exist, as `lp` says of an unknown printer.
    let spool = dir.path().join("spool");
    let lp = bin.join("lp");
    std::fs::write(
        &lp,
        format!(
            "#!/bin/sh\n\
             case \"$*\" in *jammed*) echo 'lp: The printer or class does not exist.' >&2; exit 1;; esac\n\
             echo \"$@\" > {spool}.args\n\
             cat > {spool}.pdf\n",
            spool = spool.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&lp, std::fs::Permissions::from_mode(0o755)).unwrap();
    let no_config = dir.path().join("none.toml");
    std::fs::write(&no_config, "").unwrap();

    let o = ok(label_print(
        &bin,
        &no_config,
        &["--printer", "dock-zebra", "--copies", "2"],
    ));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(
        said.contains("2 labels sent to printer dock-zebra"),
        "{said}"
    );
    let args = std::fs::read_to_string(spool.with_extension("args")).unwrap();
    assert_eq!(args.trim(), "-d dock-zebra -t case-batch");
    // The job is the PDF `label render` makes: two pages, every barcode reads back.
    let pdf = spool.with_extension("pdf");
    assert_eq!(pages(&pdf), 2);
    check_image("case-batch", &rasterise(&pdf, 300, 2));

    // CUPS refuses the queue: exit 1, lp's own words and what to check.
    let o = label_print(&bin, &no_config, &["--printer", "jammed"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("The printer or class does not exist"), "{err}");
    assert!(err.contains("lpstat -p"), "{err}");

    // No target given and none configured: say how to name one.
    let o = label_print(&bin, &no_config, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("set [printer] in the station config"));

    // The config's [printer]: a folder that gets one PDF per job.
    let out = dir.path().join("labels");
    std::fs::create_dir(&out).unwrap();
    let config = dir.path().join("station.toml");
    std::fs::write(
        &config,
        format!(
            "[printer]\nkind = \"folder\"\ndir = \"{}\"\n",
            out.display()
        ),
    )
    .unwrap();
    ok(label_print(&bin, &config, &[]));
    let jobs: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert!(jobs[0].to_string_lossy().ends_with(".pdf"));
    check_image("case-batch", &rasterise(&jobs[0], 300, 1));

    // A folder that is not there: exit 1 naming it.
    let o = label_print(&bin, &no_config, &["--folder", "/nonexistent/labels"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/labels"));
}

/// A label assets folder for a test: the given PNGs, and `fonts/` with DejaVu Sans Mono's
/// regular face only (so its bold is missing).
fn assets_with(pngs: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
    let assets = tempfile::tempdir().unwrap();
    let fonts = assets.path().join("fonts");
    std::fs::create_dir(&fonts).unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fonts");
    std::fs::copy(
        shipped.join("DejaVuSansMono.ttf"),
        fonts.join("DejaVuSansMono.ttf"),
    )
    .unwrap();
    for (name, bytes) in pngs {
        std::fs::write(assets.path().join(name), bytes).unwrap();
    }
    assets
}

fn png(w: u32, h: u32, black: impl Fn(u32, u32) -> bool) -> Vec<u8> {
    let img = image::GrayImage::from_fn(w, h, |x, y| {
        image::Luma([if black(x, y) { 0 } else { 255 }])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn a_bad_template_or_bad_data_is_refused_naming_template_element_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    let assets = assets_with(&[
        ("logo.png", png(4, 4, |_, _| true)),
        ("junk.png", b"not a picture".to_vec()),
    ]);
    let out = dir.path().join("x.pdf");
    let out = out.to_str().unwrap();
    let head = "format = 1\nname = \"t\"\nwidth_mm = 60\nheight_mm = 40\n";
    let text = |extra: &str, text: &str| {
        format!(
            "{head}[[element]]\nkind = \"text\"\nx_mm = 2\ny_mm = 2\nsize_pt = 8\n{extra}text = \"{text}\"\n"
        )
    };
    let image =
        |extra: &str| format!("{head}[[element]]\nkind = \"image\"\nx_mm = 2\ny_mm = 2\n{extra}\n");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "unknown",
            format!("{head}colour = 1\n"),
            "unknown.toml: TOML parse error",
        ),
        (
            "unknown",
            format!("{head}colour = 1\n"),
            "unknown field `colour`",
        ),
        (
            "element-field",
            format!(
                "{}[[element]]\nkind = \"line\"\nx1_mm = 0\ny1_mm = 5\nx2_mm = 9\ny2_mm = 5\ncolour = \"red\"\n",
                text("", "a")
            ),
            "template t, element 2 (line): unknown field `colour`",
        ),
        (
            "kind",
            format!("{head}[[element]]\nkind = \"circle\"\nx_mm = 1\n"),
            "template t, element 1 (?): unknown variant `circle`",
        ),
        (
            "gs1",
            format!(
                "{head}[sample]\ng = \"09501101530004\"\n[[element]]\nkind = \"barcode\"\nx_mm = 1\ny_mm = 1\nsymbology = \"gs1-128\"\ndata = \"(01){{g}}\"\nmodule_mm = 0.25\n"
            ),
            "template t, element 1 (barcode): \"(01)09501101530004\" is not valid GS1 data",
        ),
        (
            "fit",
            format!(
                "{head}[sample]\np = \"A very long product name that cannot fit\"\n[[element]]\nkind = \"text\"\nx_mm = 2\ny_mm = 2\nsize_pt = 14\ntext = \"{{p}}\"\n"
            ),
            "template t, element 1 (text): \"A very long product name that cannot fit\" is",
        ),
        (
            "font",
            text("font = \"Comic\"\n", "a"),
            "template t, element 1 (text): unknown font \"Comic\": cannot read assets/fonts/Comic.ttf",
        ),
        (
            "bold",
            text("font = \"DejaVuSansMono\"\nbold = true\n", "a"),
            "template t, element 1 (text): bold = true needs the bold file assets/fonts/DejaVuSansMono-Bold.ttf",
        ),
        (
            "glyph",
            text("", "Lot 漢"),
            "template t, element 1 (text): font DejaVuSans has no glyph for ['漢']",
        ),
        (
            "zpl-font",
            text("zpl_font = \"Big Font\"\n", "a"),
            "template t, element 1 (text): zpl_font \"Big Font\" is not a printer font",
        ),
        (
            "image-missing",
            image("path = \"nope.png\""),
            "template t, element 1 (image): cannot read image assets/nope.png",
        ),
        (
            "image-outside",
            image("path = \"../logo.png\""),
            "template t, element 1 (image): image \"../logo.png\" must be a relative path inside the assets folder",
        ),
        (
            "image-junk",
            image("path = \"junk.png\""),
            "template t, element 1 (image): assets/junk.png is not a readable PNG or JPEG image",
        ),
        (
            "image-size",
            image("path = \"logo.png\"\nw_mm = 70"),
            "template t, element 1 (image): it reaches past the 60×40 mm label",
        ),
    ];
    for (name, body, message) in cases {
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, body).unwrap();
        let path = path.to_str().unwrap();
        let o = label_render(Some(assets.path()), path, Path::new(out), &[]);
        assert_eq!(o.status.code(), Some(1), "{name}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(message), "{name}: {err}");
        assert!(!Path::new(out).exists(), "{name}: nothing written");
    }
    let o = lotline(&["label", "render", "--template", "case-batch", "--out", out]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--set"),
        "missing data names the --set to give"
    );
}

/// Where dark ink (< 128) lies inside `region` (x0, y0, x1, y1 in mm) of an image at `dpi`:
/// its bounding box in mm, or None.
fn ink_box(png: &Path, dpi: u32, region: [f32; 4]) -> Option<[f32; 4]> {
    let img = image::open(png).unwrap().to_luma8();
    let px = |mm: f32| (mm * dpi as f32 / 25.4).round() as u32;
    let mm = |px: u32| px as f32 * 25.4 / dpi as f32;
    let mut found: Option<[u32; 4]> = None;
    for y in px(region[1])..px(region[3]).min(img.height()) {
        for x in px(region[0])..px(region[2]).min(img.width()) {
            if img.get_pixel(x, y)[0] < 128 {
                let b = found.get_or_insert([x, y, x, y]);
                *b = [b[0].min(x), b[1].min(y), b[2].max(x + 1), b[3].max(y + 1)];
            }
        }
    }
    found.map(|b| b.map(mm))
}

fn is_dark(png: &Path, dpi: u32, x_mm: f32, y_mm: f32) -> bool {
    let img = image::open(png).unwrap().to_luma8();
    let px = |mm: f32| (mm * dpi as f32 / 25.4) as u32;
    img.get_pixel(px(x_mm), px(y_mm))[0] < 128
}

/// A 40×20 px black frame (4 px wide) around white, and a 12×2 px pattern for exact ZPL bytes.
fn picture_assets() -> tempfile::TempDir {
    assets_with(&[
        (
            "frame.png",
            png(40, 20, |x, y| {
                !(4..36).contains(&x) || !(4..16).contains(&y)
            }),
        ),
        (
            "tiny.png",
            png(12, 2, |x, y| {
                if y == 0 {
                    x < 4 || x == 11
                } else {
                    (4..8).contains(&x)
                }
            }),
        ),
    ])
}

const PICTURES: &str = r#"format = 1
name = "pictures"
width_mm = 60
height_mm = 40
dpi = 203
[[element]]
kind = "text"
x_mm = 5
y_mm = 3
size_pt = 10
text = "iiiiiiii"
[[element]]
kind = "text"
x_mm = 5
y_mm = 10
size_pt = 10
font = "DejaVuSansMono"
zpl_font = "E:DEJAVUSANSMONO.TTF"
text = "iiiiiiii"
[[element]]
kind = "image"
x_mm = 10
y_mm = 20
path = "frame.png"
w_mm = 20
[[element]]
kind = "image"
x_mm = 40
y_mm = 5
path = "tiny.png"
"#;

/// The PICTURES template in a folder of its own, with its assets.
struct Pictures {
    dir: tempfile::TempDir,
    assets: tempfile::TempDir,
}

impl Pictures {
    fn new() -> Pictures {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pictures.toml"), PICTURES).unwrap();
        Pictures {
            dir,
            assets: picture_assets(),
        }
    }

    /// Renders the sample label to `pictures.EXT`.
    fn render(&self, ext: &str) -> PathBuf {
        let out = self.dir.path().join(format!("pictures.{ext}"));
        let template = self.dir.path().join("pictures.toml");
        ok(label_render(
            Some(self.assets.path()),
            template.to_str().unwrap(),
            &out,
            &[],
        ));
        out
    }
}

#[test]
fn images_land_where_the_template_puts_them_in_pdf_png_and_zpl() {
    let pictures = Pictures::new();
    let render_to = |ext: &str| pictures.render(ext);

    // PDF: each image is one image XObject with the file's own pixels.
    let pdf = render_to("pdf");
    let list = String::from_utf8(
        Command::new("pdfimages")
            .arg("-list")
            .arg(&pdf)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let mut images: Vec<(String, String, String)> = list
        .lines()
        .skip(2)
        .map(|l| {
            let c: Vec<&str> = l.split_whitespace().collect();
            (c[3].to_string(), c[4].to_string(), c[5].to_string())
        })
        .collect();
    images.sort();
    assert_eq!(
        images,
        vec![
            ("12".into(), "2".into(), "gray".into()),
            ("40".into(), "20".into(), "gray".into())
        ],
        "{list}"
    );
    // Rasterised, and as the PNG preview: the frame covers 10..30 × 20..30 mm, hollow.
    let mut rasters: Vec<(PathBuf, u32)> =
        [203, 300].map(|dpi| (rasterise(&pdf, dpi, 1), dpi)).into();
    rasters.push((render_to("png"), 203));
    for (png, dpi) in &rasters {
        let b = ink_box(png, *dpi, [5.0, 16.0, 35.0, 35.0]).expect("the frame is drawn");
        let tolerance = 25.4 / *dpi as f32 + 0.05;
        for (got, want) in b.iter().zip([10.0, 20.0, 30.0, 30.0]) {
            assert!(
                (got - want).abs() <= tolerance,
                "{}: frame at {b:?} mm",
                png.display()
            );
        }
        assert!(
            !is_dark(png, *dpi, 20.0, 25.0),
            "{}: the frame is hollow",
            png.display()
        );
        assert!(
            is_dark(png, *dpi, 11.0, 25.0),
            "{}: left edge of the frame",
            png.display()
        );
    }

    // ZPL: one ^GFA per image at its ^FO, bytes per row and totals right, bits as drawn.
    let zpl = std::fs::read_to_string(render_to("zpl")).unwrap();
    // 12 × 2 px at one pixel per dot: rows 11110000 00010000 and 00001111 00000000.
    assert!(zpl.contains("^FO320,40^GFA,4,4,2,F0100F00^FS\n"), "{zpl}");
    // The frame at 20 × 10 mm = 160 × 80 dots: 20 bytes a row, 1,600 in all; 4 px = 16 dots.
    let frame = zpl
        .lines()
        .find_map(|l| l.strip_prefix("^FO80,160^GFA,1600,1600,20,"))
        .unwrap_or_else(|| panic!("{zpl}"))
        .strip_suffix("^FS")
        .unwrap();
    assert_eq!(frame.len(), 3200);
    let row = |y: usize| &frame[y * 40..(y + 1) * 40];
    assert_eq!(row(0), "FF".repeat(20));
    assert_eq!(row(15), "FF".repeat(20));
    assert_eq!(row(16), format!("FFFF{}FFFF", "00".repeat(16)));
    assert_eq!(row(63), format!("FFFF{}FFFF", "00".repeat(16)));
    assert_eq!(row(79), "FF".repeat(20));

    // A shipped template's logo is embedded once and drawn on every copy.
    let logistics = pictures.dir.path().join("logistics.pdf");
    render("gs1-logistics-4x6", &logistics, &["--copies", "3"]);
    let list = String::from_utf8(
        Command::new("pdfimages")
            .arg("-list")
            .arg(&logistics)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let rows: Vec<Vec<&str>> = list
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 3, "{list}");
    assert!(
        rows.iter()
            .all(|r| r[3] == "461" && r[4] == "106" && r[10] == rows[0][10]),
        "{list}"
    );
}

#[test]
fn each_text_uses_its_font_in_pdf_and_png_and_a_printer_font_in_zpl() {
    let pictures = Pictures::new();
    let render_to = |ext: &str| pictures.render(ext);
    let sans = lotline::label::font::resolve(None, false).unwrap();
    let mono = lotline::label::font::resolve(Some("DejaVuSansMono"), false).unwrap();
    let (sans_mm, mono_mm) = (
        sans.text_width_mm("iiiiiiii", 10.0),
        mono.text_width_mm("iiiiiiii", 10.0),
    );
    assert!(mono_mm > 2.0 * sans_mm, "{sans_mm} {mono_mm}");

    // PDF: both faces embedded; the words are as wide as their own face says.
    let pdf = render_to("pdf");
    let fonts =
        String::from_utf8(Command::new("pdffonts").arg(&pdf).output().unwrap().stdout).unwrap();
    let font_lines: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(
        font_lines.len() == 2 && font_lines.iter().all(|l| l.contains(" yes ")),
        "{fonts}"
    );
    let bbox = String::from_utf8(
        Command::new("pdftotext")
            .args(["-bbox"])
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let widths_mm: Vec<f32> = bbox
        .lines()
        .filter(|l| l.contains(">iiiiiiii</word>"))
        .map(|l| {
            let attr = |name: &str| -> f32 {
                l.split_once(&format!("{name}=\""))
                    .unwrap()
                    .1
                    .split_once('"')
                    .unwrap()
                    .0
                    .parse()
                    .unwrap()
            };
            (attr("xMax") - attr("xMin")) * 25.4 / 72.0
        })
        .collect();
    assert_eq!(widths_mm.len(), 2, "{bbox}");
    assert!(
        (widths_mm[0] - sans_mm).abs() < 0.2 && (widths_mm[1] - mono_mm).abs() < 0.2,
        "{widths_mm:?} vs {sans_mm} {mono_mm}"
    );

    // PNG: the ink of each line spans about its face's width (less the side bearings).
    let png = render_to("png");
    let ink = |y0: f32| {
        let b = ink_box(&png, 203, [0.0, y0, 35.0, y0 + 4.0]).expect("text is drawn");
        b[2] - b[0]
    };
    let (sans_ink, mono_ink) = (ink(3.0), ink(10.0));
    assert!(
        sans_ink > 0.8 * sans_mm && sans_ink <= sans_mm,
        "{sans_ink} of {sans_mm}"
    );
    assert!(
        mono_ink > 0.8 * mono_mm && mono_ink <= mono_mm,
        "{mono_ink} of {mono_mm}"
    );

    // ZPL: resident scalable font 0 unless the element names a font stored in the printer.
    let zpl = std::fs::read_to_string(render_to("zpl")).unwrap();
    assert!(
        zpl.contains("^FO40,24^A0N,28,28^FH^FDiiiiiiii^FS\n"),
        "{zpl}"
    );
    assert!(
        zpl.contains("^FO40,80^A@N,28,28,E:DEJAVUSANSMONO.TTF^FH^FDiiiiiiii^FS\n"),
        "{zpl}"
    );
}

#[test]
fn a_lots_label_comes_straight_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lotline.db");
    let db = db.to_str().unwrap();
    ok(lotline(&[
        "--db",
        db,
        "product",
        "add",
        "09501101530003",
        "--name",
        "Passata 500 g",
    ]));
    ok(lotline(&[
        "--db",
        db,
        "receive",
        "(01)09501101530003(17)280615(10)B77(30)24",
    ]));
    let pdf = dir.path().join("lot.pdf");
    ok(lotline(&[
        "--db",
        db,
        "label",
        "render",
        "--template",
        "case-batch",
        "B77",
        "--out",
        pdf.to_str().unwrap(),
    ]));
    let read = rxing_reads(&rasterise(&pdf, 300, 1));
    assert!(
        read.contains(&("]C1".to_string(), "010950110153000317280615".to_string())),
        "{read:?}"
    );
    assert!(
        read.contains(&(
            "]d2".to_string(),
            "01095011015300031728061510B77".to_string()
        )),
        "{read:?}"
    );
    let o = lotline(&[
        "--db",
        db,
        "label",
        "render",
        "--template",
        "case-batch",
        "NOPE",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no lot NOPE in this store"));
}

/// The human-readable date caption of every shipped template says what its barcode says, in the
/// GS1 dictionary's words: (17) is "USE BY or EXPIRY", (15) "BEST BEFORE or BEST BY". The
/// logistics label printed BEST BEFORE over a (17) date, which tells a picker the goods may
/// still be sold after it.
#[test]
fn the_date_caption_names_the_ai_the_barcode_carries() {
    use lotline::label::template::{Element, Template};
    let caption = |ai: &str| {
        let title = lotline::gs1::ai::lookup(ai).unwrap().title;
        title.split(" or ").next().unwrap().to_string()
    };
    let (use_by, best_before) = (caption("17"), caption("15"));
    assert_eq!(
        (use_by.as_str(), best_before.as_str()),
        ("USE BY", "BEST BEFORE")
    );
    let mut checked = 0;
    for name in lotline::label::template::shipped() {
        let t = Template::load(&name).unwrap();
        let data: String = t
            .elements
            .iter()
            .filter_map(|e| match e {
                Element::Barcode { data, .. } => Some(data.as_str()),
                _ => None,
            })
            .collect();
        for e in &t.elements {
            let Element::Text { text, .. } = e else {
                continue;
            };
            if !text.contains("{expiry_date}") {
                continue;
            }
            // Captions come from the dictionary: {title:17}.
            let text = lotline::label::template::fill(text, &t.sample).unwrap();
            checked += 1;
            if data.contains("(17)") {
                assert!(text.contains(&use_by), "{name}: {text:?} over a (17) date");
            }
            if text.contains(&best_before) {
                assert!(
                    data.contains("(15)"),
                    "{name}: {text:?} without a (15) date"
                );
            }
        }
    }
    assert!(
        checked >= 3,
        "the shipped templates' date captions were not found"
    );
}

/// `lotline label check` proves every shipped template prints its worst case (AI (10) of 20
/// characters, 8-digit counts, the longest GTIN, SSCC and dates) within the GS1 symbol
/// specification of its application; each worst-case label, rasterised at 203 dpi, reads
/// back with rxing and zbarimg/dmtxread as exactly the data meant.
#[test]
fn every_shipped_template_passes_label_check_and_its_worst_case_reads_back_at_203_dpi() {
    let dir = tempfile::tempdir().unwrap();
    for name in lotline::label::template::shipped() {
        let pdf = dir.path().join(format!("{name}-worst.pdf"));
        let o = ok(lotline(&[
            "label",
            "check",
            &name,
            "--out",
            pdf.to_str().unwrap(),
        ]));
        let said = String::from_utf8_lossy(&o.stdout);
        assert!(said.contains("the worst case fits"), "{name}: {said}");
        let t = Template::load(&name).unwrap();
        let checked = lotline::label::check::check(&t).unwrap();
        assert!(
            checked
                .data
                .iter()
                .any(|d| d.get("batch").is_some_and(|b| b.len() == 20)),
            "{name}"
        );
        if t.sample.contains_key("count") {
            assert!(
                checked.data.iter().all(|d| d["count"] == "99999999"),
                "{name}"
            );
        }
        for (page, layout) in checked.layouts.iter().enumerate() {
            let png = rasterise(&pdf, 203, page as u32 + 1);
            check_symbols(
                &format!("{name} worst case {}", page + 1),
                &encoded(layout),
                &png,
            );
        }
    }
}

/// `label check` on a template that cannot hold its worst case exits 1 naming the template,
/// the element, the field and what does not fit; and one whose symbols break the symbol
/// specification of its application says which and by how much.
#[test]
fn label_check_names_what_does_not_fit() {
    let dir = tempfile::tempdir().unwrap();
    let head = "format = 1\nname = \"t\"\nwidth_mm = 60\nheight_mm = 50\n";
    let cases = [
        (
            "text",
            format!(
                "{head}[sample]\ngtin = \"09501101530003\"\nbatch = \"B1\"\n[[element]]\nkind = \"text\"\nx_mm = 2\ny_mm = 40\nsize_pt = 10\ntext = \"{{title:10}} {{batch}}\"\n[[element]]\nkind = \"barcode\"\nx_mm = 2\ny_mm = 2\nsymbology = \"gs1-datamatrix\"\ndata = \"(01){{gtin}}(10){{batch}}\"\nmodule_mm = 0.5\n"
            ),
            "template t, element 1 (text): \"BATCH/LOT ",
        ),
        (
            "split",
            format!(
                "{head}[sample]\ngtin = \"09501101530003\"\nbatch = \"B1\"\n[[element]]\nkind = \"barcode\"\nx_mm = 0\ny_mm = 2\nsymbology = \"gs1-128\"\ndata = \"(01){{gtin}}(10){{batch}}\"\nmodule_mm = 0.25\nheight_mm = 10\nmax_symbols = 2\n"
            ),
            "template t, element 1 (barcode): (10) \"",
        ),
        (
            "spec",
            format!(
                "{head}application = \"logistics\"\n[sample]\nsscc = \"395011010000000019\"\n[[element]]\nkind = \"barcode\"\nx_mm = 0\ny_mm = 2\nsymbology = \"gs1-128\"\ndata = \"(00){{sscc}}\"\nmodule_mm = 0.25\nheight_mm = 10\n"
            ),
            "template t: with worst-case data: the gs1-128 symbol \"00999999999999999995\": X = 0.250 mm is outside 0.495-1.016 mm (logistics labels)",
        ),
    ];
    for (name, body, message) in cases {
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, body).unwrap();
        let o = lotline(&["label", "check", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{name}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(message), "{name}: {err}");
    }
}
