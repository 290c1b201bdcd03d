//! PhysiCell unit strings and their factors to oncovox's µm and min.
//! Spelling is free in case and spaces; anything else is unknown (`None`),
//! which the importer refuses for every unit it converts.

/// µm per `unit` of length: the micron's spellings.
pub fn length(unit: &str) -> Option<f64> {
    match norm(unit).as_str() {
        "micron" | "microns" | "um" | "µm" | "μm" | "micrometer" | "micrometers" | "micrometre" | "micrometres" => {
            Some(1.0)
        }
        _ => None,
    }
}

/// Minutes per `unit` of time.
pub fn time(unit: &str) -> Option<f64> {
    match norm(unit).as_str() {
        "min" | "mins" | "minute" | "minutes" => Some(1.0),
        "h" | "hr" | "hrs" | "hour" | "hours" => Some(60.0),
        "d" | "day" | "days" => Some(1440.0),
        "s" | "sec" | "second" | "seconds" => Some(1.0 / 60.0),
        _ => None,
    }
}

/// µm²/min per `unit` of a diffusion coefficient, written `L^2/T` or `L²/T`.
pub fn diffusion(unit: &str) -> Option<f64> {
    let u = norm(unit);
    let (l, t) = u.split_once('/')?;
    let l = l.strip_suffix("^2").or_else(|| l.strip_suffix('²'))?;
    Some(length(l)?.powi(2) / time(t)?)
}

/// 1/min per `unit` of a rate, written `1/T` or `T^-1`.
pub fn rate(unit: &str) -> Option<f64> {
    let u = norm(unit);
    let t = u.strip_prefix("1/").or_else(|| u.strip_suffix("^-1"))?;
    Some(1.0 / time(t)?)
}

fn norm(unit: &str) -> String {
    unit.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors() {
        assert_eq!(time("hours"), Some(60.0));
        assert_eq!(time(" Day "), Some(1440.0));
        assert_eq!(diffusion("micron^2/min"), Some(1.0));
        assert_eq!(diffusion("micron^2/hour"), Some(1.0 / 60.0));
        assert_eq!(diffusion("µm²/s"), Some(60.0));
        assert_eq!(rate("1/min"), Some(1.0));
        assert_eq!(rate("1/day"), Some(1.0 / 1440.0));
        assert_eq!(rate("hour^-1"), Some(1.0 / 60.0));
    }

    #[test]
    fn unknown_units_are_none() {
        assert_eq!(length("mm"), None);
        assert_eq!(time("fortnight"), None);
        assert_eq!(diffusion("cm^2/s"), None);
        assert_eq!(diffusion("micron/min"), None);
        assert_eq!(rate("per minute"), None);
    }
}
