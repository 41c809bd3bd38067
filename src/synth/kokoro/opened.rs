//! Kokoro's model opened at its prosody: the one ONNX graph cut in two where the predicted
//! F0 enters the decoder, so that recast reads the per-symbol durations, the F0 curve and
//! the energy curve, and gives the decoder an F0 of its own.
//!
//! The cut is a partition: the decoder part is every node downstream of the predicted F0,
//! the prosody part every other node, so no node runs twice. Every tensor the prosody part
//! makes and the decoder part reads (the aligned text features, the style's AdaIN
//! parameters, the energy features, the F0) becomes an output of the one and an input of
//! the other, under its own name. The parts are derived once from the installed model and
//! kept beside it; the engine checks at load that they are what it expects.

use onnx_protobuf::{Message, ModelProto, NodeProto, ValueInfoProto};
use ort::session::{Session, SessionInputValue, SessionOutputs};
use ort::value::Tensor;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The predicted duration of every symbol, pads included, in frames of
/// [`FRAME_SAMPLES`] samples: float [1, T + 2], whole numbers.
pub const DURATIONS: &str = "/encoder/Clip_output_0";
/// The predicted F0 in Hz, two values per duration frame (near 0 where unvoiced):
/// float [1, 2 x sum(durations)]. The decoder's only way to its pitch.
pub const F0: &str = "/encoder/Squeeze_output_0";
/// The predicted energy curve, beside the F0: float [1, 2 x sum(durations)].
pub const ENERGY: &str = "/encoder/Squeeze_1_output_0";

/// Audio samples per duration frame (at 24 kHz: 25 ms).
pub const FRAME_SAMPLES: usize = 600;

/// Bump when the way the parts are cut changes, so that older parts are made again.
const REVISION: u32 = 1;

/// The two parts' files.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedFiles {
    pub prosody: PathBuf,
    pub decoder: PathBuf,
}

/// `model.onnx` -> `model.prosody-r1.onnx` and `model.decoder-r1.onnx`. Not named
/// `model.onnx.*`: those names are the model's ORT-format copies, which the session code
/// tidies away.
fn part_paths(model: &Path) -> OpenedFiles {
    let stem = model
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    OpenedFiles {
        prosody: model.with_file_name(format!("{stem}.prosody-r{REVISION}.onnx")),
        decoder: model.with_file_name(format!("{stem}.decoder-r{REVISION}.onnx")),
    }
}

/// Serialises the making of parts within the process (workers that start together cut the
/// model once), and remembers the models that could not be cut, with why.
static MAKING: std::sync::Mutex<Vec<(PathBuf, String)>> = std::sync::Mutex::new(Vec::new());

/// The parts of `model`, cut now (written aside and renamed into place) if they are not
/// beside it yet, or are older than it.
pub fn opened_files(model: &Path) -> Result<OpenedFiles, String> {
    let mut refused = MAKING.lock().unwrap_or_else(|e| e.into_inner());
    // A model that could not be cut is not read and checked again by every worker.
    if let Some((_, reason)) = refused.iter().find(|(path, _)| path == model) {
        return Err(reason.clone());
    }
    let made = make_parts(model);
    if let Err(reason) = &made {
        refused.push((model.to_path_buf(), reason.clone()));
    }
    made
}

/// [`opened_files`] without the bookkeeping.
fn make_parts(model: &Path) -> Result<OpenedFiles, String> {
    let files = part_paths(model);
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = |p: &Path| match (modified(p), modified(model)) {
        (Some(part), Some(whole)) => part >= whole,
        _ => false,
    };
    if fresh(&files.prosody) && fresh(&files.decoder) {
        return Ok(files);
    }
    let bytes =
        std::fs::read(model).map_err(|e| format!("cannot read {}: {e}", model.display()))?;
    let (prosody, decoder) = split(&bytes)?;
    drop(bytes);
    let difference = reproduces(model, &prosody, &decoder)?;
    if difference > TOLERANCE {
        return Err(format!(
            "its parts speak differently from the model (by {difference:.2e} of the peak)"
        ));
    }
    for (path, bytes) in [(&files.prosody, prosody), (&files.decoder, decoder)] {
        let partial = path.with_extension(format!("{}.partial", std::process::id()));
        let written =
            std::fs::write(&partial, &bytes).and_then(|()| std::fs::rename(&partial, path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&partial);
            return Err(format!("cannot write {}: {e}", path.display()));
        }
    }
    Ok(files)
}

/// Inputs as the whole model and the prosody part take them: token ids with their pads, a
/// style vector, a speed.
pub(crate) type Inputs = Vec<(Cow<'static, str>, SessionInputValue<'static>)>;

pub(crate) fn inputs(tokens: Vec<i64>, style: Vec<f32>, speed: f32) -> Result<Inputs, String> {
    let text = |e: ort::Error| e.to_string();
    Ok(vec![
        (
            "tokens".into(),
            Tensor::from_array(([1usize, tokens.len()], tokens))
                .map_err(text)?
                .into(),
        ),
        (
            "style".into(),
            Tensor::from_array(([1usize, super::styles::WIDTH], style))
                .map_err(text)?
                .into(),
        ),
        (
            "speed".into(),
            Tensor::from_array(([1usize], vec![speed]))
                .map_err(text)?
                .into(),
        ),
    ])
}

/// The float tensor `name` of a run's outputs.
pub(crate) fn output(outputs: &SessionOutputs, name: &str) -> Result<Vec<f32>, String> {
    let value = outputs
        .get(name)
        .ok_or_else(|| format!("the model gave no {name}"))?;
    let (_, data) = value
        .try_extract_tensor::<f32>()
        .map_err(|e| format!("the model's {name}: {e}"))?;
    Ok(data.to_vec())
}

/// The decoder part run on what the prosody part `predicted`, with `f0`: its audio.
/// `passed` names the decoder's inputs besides the F0.
pub(crate) fn decode(
    decoder: &mut Session,
    passed: &[String],
    mut predicted: SessionOutputs,
    f0: Vec<f32>,
) -> Result<Vec<f32>, String> {
    let mut inputs: Vec<(Cow<str>, SessionInputValue)> = Vec::with_capacity(passed.len() + 1);
    for name in passed {
        let value = predicted
            .remove(name)
            .ok_or_else(|| format!("the prosody part gave no {name}"))?;
        inputs.push((Cow::Owned(name.clone()), value.into()));
    }
    let f0_len = f0.len();
    let f0 = Tensor::from_array(([1usize, f0_len], f0)).map_err(|e| e.to_string())?;
    inputs.push((Cow::Borrowed(F0), f0.into()));
    let outputs = decoder.run(inputs).map_err(|e| e.to_string())?;
    audio(&outputs)
}

/// The audio a run of the whole model or of the decoder part gave.
pub(crate) fn audio(outputs: &SessionOutputs) -> Result<Vec<f32>, String> {
    let (_, samples) = outputs[0]
        .try_extract_tensor::<f32>()
        .map_err(|e| format!("the model's audio output: {e}"))?;
    Ok(samples.to_vec())
}

/// The decoder's inputs besides the F0: what it reads from the prosody part.
pub(crate) fn passed_inputs(decoder: &Session) -> Vec<String> {
    decoder
        .inputs()
        .iter()
        .map(|i| i.name().to_string())
        .filter(|n| n != F0)
        .collect()
}

/// How far the parts, given the model's own F0, may stray from the model's audio, as a share
/// of its peak. The parts run the same nodes on the same inputs, so they give the same
/// samples; only a kernel that splits a sum differently between threads could differ, by
/// float rounding (~1e-6 of full scale). A wrong cut differs by orders of magnitude more.
pub const TOLERANCE: f32 = 1e-4;

/// Speaks a fixed input with the whole model (a file) and with its two parts (bytes), the
/// F0 passed through unchanged, and returns the largest difference between the two as a
/// share of the whole model's peak.
pub fn reproduces(model: &Path, prosody: &[u8], decoder: &[u8]) -> Result<f32, String> {
    let text = |e: ort::Error| e.to_string();
    let builder = || -> Result<ort::session::builder::SessionBuilder, String> {
        Session::builder()
            .map_err(text)?
            .with_intra_threads(1)
            .map_err(|e| e.to_string())
    };
    // Thirty symbols of Kokoro's Mandarin and English ids between the pads, and a style
    // vector of small values: any input serves, both sides get the same.
    let tokens: Vec<i64> = std::iter::once(0)
        .chain((0..30).map(|i| [43, 156, 86, 16, 102, 61, 135, 57][i % 8]))
        .chain(std::iter::once(0))
        .collect();
    let style: Vec<f32> = (0..super::styles::WIDTH)
        .map(|i| ((i * 37 % 101) as f32 / 101.0 - 0.5) * 0.4)
        .collect();
    let mut whole = builder()?.commit_from_file(model).map_err(text)?;
    let expected = audio(
        &whole
            .run(inputs(tokens.clone(), style.clone(), 1.0)?)
            .map_err(text)?,
    )?;
    drop(whole);

    let mut prosody = builder()?.commit_from_memory(prosody).map_err(text)?;
    let mut decoder = builder()?.commit_from_memory(decoder).map_err(text)?;
    let passed = passed_inputs(&decoder);
    let predicted = prosody.run(inputs(tokens, style, 1.0)?).map_err(text)?;
    let f0 = output(&predicted, F0)?;
    let got = decode(&mut decoder, &passed, predicted, f0)?;
    if got.len() != expected.len() || expected.is_empty() {
        return Err(format!(
            "its parts speak {} samples where the model speaks {}",
            got.len(),
            expected.len()
        ));
    }
    let peak = expected.iter().fold(0f32, |m, s| m.max(s.abs())).max(1e-6);
    let worst = expected
        .iter()
        .zip(&got)
        .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    Ok(worst / peak)
}

/// Cuts Kokoro's ONNX graph (bytes) into its prosody part and its decoder part (bytes), or
/// says why this model cannot be cut.
pub fn split(model: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    let mut whole = ModelProto::parse_from_bytes(model).map_err(|e| format!("not ONNX: {e}"))?;
    let mut graph = whole.graph.take().ok_or("the model has no graph")?;

    let produced_by: HashMap<&str, usize> = graph
        .node
        .iter()
        .enumerate()
        .flat_map(|(i, n)| n.output.iter().map(move |o| (o.as_str(), i)))
        .collect();
    for name in [DURATIONS, F0, ENERGY] {
        if !produced_by.contains_key(name) {
            return Err(format!(
                "it has no tensor {name}: not the Kokoro v1.0 export recast knows"
            ));
        }
    }
    if graph.node.iter().any(|n| {
        n.attribute
            .iter()
            .any(|a| a.g.is_some() || !a.graphs.is_empty())
    }) {
        return Err("it has nodes with subgraphs, which the cut does not follow".into());
    }

    // The decoder part: every node that reads the F0, directly or through other nodes.
    let mut consumers: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, n) in graph.node.iter().enumerate() {
        for input in n.input.iter().filter(|s| !s.is_empty()) {
            consumers.entry(input.as_str()).or_default().push(i);
        }
    }
    let mut in_decoder = vec![false; graph.node.len()];
    let mut stack = vec![F0];
    while let Some(tensor) = stack.pop() {
        for &i in consumers.get(tensor).into_iter().flatten() {
            if !in_decoder[i] {
                in_decoder[i] = true;
                stack.extend(graph.node[i].output.iter().map(String::as_str));
            }
        }
    }
    for name in [DURATIONS, ENERGY] {
        if in_decoder[produced_by[name]] {
            return Err(format!("its {name} depends on the F0"));
        }
    }
    let graph_outputs: Vec<&str> = graph.output.iter().map(|o| o.name.as_str()).collect();
    if graph_outputs
        .iter()
        .any(|o| produced_by.get(o).is_none_or(|&i| !in_decoder[i]))
    {
        return Err("its audio does not come from the F0".into());
    }

    // Tensors made in the prosody part and read in the decoder part, in graph order.
    let mut crossing: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for (i, n) in graph
        .node
        .iter()
        .enumerate()
        .filter(|(i, _)| in_decoder[*i])
    {
        let _ = i;
        for input in &n.input {
            if let Some(&from) = produced_by.get(input.as_str())
                && !in_decoder[from]
                && seen.insert(input.clone())
            {
                crossing.push(input.clone());
            }
        }
    }
    let declared: HashMap<&str, &ValueInfoProto> = graph
        .value_info
        .iter()
        .chain(&graph.input)
        .chain(&graph.output)
        .map(|v| (v.name.as_str(), v))
        .collect();
    let typed = |name: &str| -> Result<ValueInfoProto, String> {
        match declared.get(name) {
            Some(v) if v.type_.is_some() => Ok((*v).clone()),
            _ => Err(format!("its tensor {name} has no declared type")),
        }
    };
    let crossing_info = crossing
        .iter()
        .map(|name| typed(name))
        .collect::<Result<Vec<_>, _>>()?;
    let mut prosody_outputs = crossing_info.clone();
    for name in [DURATIONS, ENERGY] {
        if !crossing.iter().any(|c| c == name) {
            prosody_outputs.push(typed(name)?);
        }
    }

    let nodes = std::mem::take(&mut graph.node);
    let mut prosody_nodes = Vec::new();
    let mut decoder_nodes = Vec::new();
    for (i, node) in nodes.into_iter().enumerate() {
        if in_decoder[i] {
            decoder_nodes.push(node);
        } else {
            prosody_nodes.push(node);
        }
    }

    let reads = |nodes: &[NodeProto]| -> HashSet<String> {
        nodes.iter().flat_map(|n| n.input.iter().cloned()).collect()
    };
    let makes = |nodes: &[NodeProto]| -> HashSet<String> {
        nodes
            .iter()
            .flat_map(|n| n.output.iter().cloned())
            .collect()
    };
    let prosody_reads = reads(&prosody_nodes);
    let decoder_reads = reads(&decoder_nodes);
    let (prosody_makes, decoder_makes) = (makes(&prosody_nodes), makes(&decoder_nodes));

    // Weights go to the part that reads them; the few small constants both read are copied.
    let mut prosody_init = Vec::new();
    let mut decoder_init = Vec::new();
    for t in std::mem::take(&mut graph.initializer) {
        match (
            prosody_reads.contains(&t.name),
            decoder_reads.contains(&t.name),
        ) {
            (true, true) => {
                decoder_init.push(t.clone());
                prosody_init.push(t);
            }
            (true, false) => prosody_init.push(t),
            (false, true) => decoder_init.push(t),
            (false, false) => {}
        }
    }
    if !graph.sparse_initializer.is_empty() {
        return Err("it has sparse initializers, which the cut does not follow".into());
    }

    let inputs = std::mem::take(&mut graph.input);
    let value_info = std::mem::take(&mut graph.value_info);
    let outputs = std::mem::take(&mut graph.output);
    let crossing_set: HashSet<&str> = crossing.iter().map(String::as_str).collect();

    let mut prosody_graph = graph.clone();
    prosody_graph.name = format!("{} (prosody)", graph.name);
    prosody_graph.node = prosody_nodes;
    prosody_graph.initializer = prosody_init;
    prosody_graph.input = inputs
        .iter()
        .filter(|i| prosody_reads.contains(&i.name))
        .cloned()
        .collect();
    let prosody_output_names: HashSet<String> =
        prosody_outputs.iter().map(|o| o.name.clone()).collect();
    prosody_graph.output = prosody_outputs;
    prosody_graph.value_info = value_info
        .iter()
        .filter(|v| prosody_makes.contains(&v.name) && !prosody_output_names.contains(&v.name))
        .cloned()
        .collect();

    let mut decoder_graph = graph;
    decoder_graph.name = format!("{} (decoder)", decoder_graph.name);
    decoder_graph.node = decoder_nodes;
    decoder_graph.initializer = decoder_init;
    decoder_graph.input = crossing_info;
    decoder_graph.input.extend(
        inputs
            .iter()
            .filter(|i| decoder_reads.contains(&i.name))
            .cloned(),
    );
    decoder_graph.output = outputs;
    decoder_graph.value_info = value_info
        .into_iter()
        .filter(|v| decoder_makes.contains(&v.name) && !crossing_set.contains(v.name.as_str()))
        .collect();

    let mut prosody = whole.clone();
    prosody.graph = Some(prosody_graph).into();
    whole.graph = Some(decoder_graph).into();
    let bytes = |m: &ModelProto| {
        m.write_to_bytes()
            .map_err(|e| format!("cannot save a part: {e}"))
    };
    Ok((bytes(&prosody)?, bytes(&whole)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::layout::tests::node;
    use onnx_protobuf::{GraphProto, OperatorSetIdProto, TensorProto, TypeProto};

    fn float(name: &str) -> ValueInfoProto {
        let mut t = onnx_protobuf::type_proto::Tensor::new();
        t.elem_type = onnx_protobuf::tensor_proto::DataType::FLOAT as i32;
        let mut ty = TypeProto::new();
        ty.value = Some(onnx_protobuf::type_proto::Value::TensorType(t));
        let mut v = ValueInfoProto::new();
        v.name = name.into();
        v.type_ = Some(ty).into();
        v
    }

    /// tokens -> text -> durations, f0, energy; style -> adain; the decoder reads text,
    /// f0 and adain.
    fn little_kokoro() -> ModelProto {
        let mut graph = GraphProto::new();
        graph.node = vec![
            node("text", "Relu", &["tokens"], &["text"]),
            node("dur", "Abs", &["text"], &[DURATIONS]),
            node("f0", "Neg", &["text"], &[F0]),
            node("energy", "Sigmoid", &["text"], &[ENERGY]),
            node("adain", "Mul", &["style", "w"], &["adain"]),
            node("dec.f0", "Mul", &[F0, "adain"], &["pitched"]),
            node("dec.out", "Add", &["pitched", "text"], &["audio"]),
        ];
        let mut w = TensorProto::new();
        w.name = "w".into();
        w.data_type = onnx_protobuf::tensor_proto::DataType::FLOAT as i32;
        w.float_data = vec![2.0];
        graph.initializer = vec![w];
        graph.input = vec![float("tokens"), float("style")];
        graph.output = vec![float("audio")];
        graph.value_info = ["text", DURATIONS, F0, ENERGY, "adain", "pitched"]
            .iter()
            .map(|n| float(n))
            .collect();
        let mut model = ModelProto::new();
        model.graph = Some(graph).into();
        let mut opset = OperatorSetIdProto::new();
        opset.version = 17;
        model.opset_import = vec![opset];
        model
    }

    fn names(v: &[ValueInfoProto]) -> Vec<&str> {
        v.iter().map(|v| v.name.as_str()).collect()
    }

    #[test]
    fn the_cut_is_a_partition_at_the_f0() {
        let bytes = little_kokoro().write_to_bytes().unwrap();
        let (prosody, decoder) = split(&bytes).unwrap();
        let prosody = ModelProto::parse_from_bytes(&prosody).unwrap();
        let decoder = ModelProto::parse_from_bytes(&decoder).unwrap();
        let (p, d) = (prosody.graph.unwrap(), decoder.graph.unwrap());
        let node_names = |g: &GraphProto| g.node.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
        assert_eq!(node_names(&p), ["text", "dur", "f0", "energy", "adain"]);
        assert_eq!(node_names(&d), ["dec.f0", "dec.out"]);
        assert_eq!(names(&p.input), ["tokens", "style"]);
        assert_eq!(names(&p.output), [F0, "adain", "text", DURATIONS, ENERGY]);
        assert_eq!(names(&d.input), [F0, "adain", "text"]);
        assert_eq!(names(&d.output), ["audio"]);
        assert_eq!(p.initializer.len(), 1, "the weight goes where it is read");
        assert!(d.initializer.is_empty());
        assert_eq!(names(&d.value_info), ["pitched"]);
    }

    #[test]
    fn a_model_without_kokoro_s_tensors_is_refused() {
        let mut model = little_kokoro();
        model.graph.as_mut().unwrap().node.remove(2);
        let err = split(&model.write_to_bytes().unwrap()).unwrap_err();
        assert!(err.contains(F0), "{err}");
        assert!(split(b"not a model").is_err());
    }

    #[test]
    fn parts_are_named_beside_the_model_not_as_its_copies() {
        let files = part_paths(Path::new("/v/abc.onnx"));
        assert_eq!(files.prosody, Path::new("/v/abc.prosody-r1.onnx"));
        assert_eq!(files.decoder, Path::new("/v/abc.decoder-r1.onnx"));
    }
}
