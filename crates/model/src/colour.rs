//! Colour contrast (WCAG 2), used to refuse a brand colour too light to read, to test the
//! email's own colours, and to lighten the brand colour for dark mode.

/// The contrast ratio (WCAG 2) of a `#RRGGBB` colour against white.
pub fn contrast_with_white(hex: &str) -> f64 {
    contrast(hex, "#ffffff")
}

/// The contrast ratio (WCAG 2) between two `#RRGGBB` colours: 1 to 21.
pub fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `hex` mixed with white, in steps of 5%, until it reaches `ratio` against `background`: the
/// brand colour made light enough for headings and links on a dark background.
pub fn lightened_for(hex: &str, background: &str, ratio: f64) -> String {
    let channel = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
    let (r, g, b) = (channel(1), channel(3), channel(5));
    let mut out = format!("#{r:02x}{g:02x}{b:02x}");
    for step in 0..=20 {
        let mix = |c: u8| (c as f64 + (255.0 - c as f64) * step as f64 / 20.0).round() as u8;
        out = format!("#{:02x}{:02x}{:02x}", mix(r), mix(g), mix(b));
        if contrast(&out, background) >= ratio {
            break;
        }
    }
    out
}

fn luminance(hex: &str) -> f64 {
    let channel = |i: usize| {
        let v =
            u8::from_str_radix(hex.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0) as f64 / 255.0;
        if v <= 0.039_28 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

#[cfg(test)]
mod tests {
    #[test]
    fn contrast() {
        assert!((super::contrast_with_white("#000000") - 21.0).abs() < 0.01);
        assert!((super::contrast_with_white("#005EB8") - 6.4).abs() < 0.2);
        assert!(super::contrast_with_white("#FFFF00") < 1.1);
    }

    #[test]
    fn a_dark_colour_is_lightened_until_it_reads_on_a_dark_background() {
        let light = super::lightened_for("#005EB8", "#242b33", 5.0);
        assert!(super::contrast(&light, "#242b33") >= 5.0, "{light}");
        assert_ne!(light, "#005eb8");
        // Already light enough: unchanged.
        assert_eq!(super::lightened_for("#8cc4ff", "#111418", 4.5), "#8cc4ff");
    }
}
