//! A Piper voice's decoder restated with 2-D convolutions (height 1), so that ONNX Runtime
//! runs it on its blocked-layout (NCHWc) kernels: the same weights and the same arithmetic.
//!
//! ONNX Runtime lays out only 4-D convolutions in blocks. A VITS decoder (HiFi-GAN) is a
//! chain of 1-D convolutions over the whole waveform and takes about 60% of a Piper medium
//! voice's time; on its 2-D form the blocked kernels made a whole sentence ~10% faster
//! (ONNX Runtime 1.32, one thread, AVX-512). The rewrite touches only nodes named
//! `/dec/...` (PyTorch's export names VITS's decoder module `dec`), and only when every
//! one of them is an operation it knows to be shape-agnostic.

use onnx_protobuf::{Message, ModelProto, NodeProto, TensorProto};
use std::collections::{HashMap, HashSet};

/// Operations a decoder may hold for the rewrite to apply. Besides the convolutions, all
/// are element-wise (with scalar constants), so they work unchanged on 4-D tensors.
const DECODER_OPS: [&str; 8] = [
    "Conv",
    "ConvTranspose",
    "LeakyRelu",
    "Add",
    "Div",
    "Mul",
    "Tanh",
    "Constant",
];

const DECODER_PREFIX: &str = "/dec/";

/// The initializer holding the axis the rewrite adds and removes.
const AXIS_NAME: &str = "recast.axis2";

/// `model` (ONNX bytes) with its decoder in 2-D, or `None` if it has no decoder this
/// rewrite understands (then the model is used as it is).
pub fn decoder_in_2d(model: &[u8]) -> Option<Vec<u8>> {
    let mut proto = ModelProto::parse_from_bytes(model).ok()?;
    // Squeeze and Unsqueeze take their axes as an input from opset 13 on.
    let opset = proto
        .opset_import
        .iter()
        .find(|o| o.domain.is_empty() || o.domain == "ai.onnx")?
        .version;
    if opset < 13 {
        return None;
    }
    let graph = proto.graph.as_mut()?;
    let in_decoder = |n: &NodeProto| n.name.starts_with(DECODER_PREFIX);
    if !graph.node.iter().any(in_decoder)
        || graph
            .node
            .iter()
            .filter(|n| in_decoder(n))
            .any(|n| !DECODER_OPS.contains(&n.op_type.as_str()) || !n.domain.is_empty())
    {
        return None;
    }
    let initializers: HashMap<String, usize> = graph
        .initializer
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), i))
        .collect();
    let produced: HashSet<String> = graph
        .node
        .iter()
        .filter(|n| in_decoder(n))
        .flat_map(|n| n.output.iter().cloned())
        .collect();
    let used_outside: HashSet<String> = graph
        .node
        .iter()
        .filter(|n| !in_decoder(n))
        .flat_map(|n| n.input.iter().cloned())
        .chain(graph.output.iter().map(|o| o.name.clone()))
        .collect();

    let mut widened = HashSet::new();
    for node in graph.node.iter_mut().filter(|n| in_decoder(n)) {
        match node.op_type.as_str() {
            "Conv" | "ConvTranspose" => {
                let weight = node.input.get(1)?;
                let &at = initializers.get(weight)?;
                if widened.insert(weight.clone()) {
                    let dims = &mut graph.initializer[at].dims;
                    if dims.len() != 3 {
                        return None;
                    }
                    dims.insert(2, 1);
                }
                widen_attributes(node)?;
            }
            "Add" | "Div" | "Mul" => {
                // A constant operand must broadcast the same way against 3-D and 4-D.
                for input in &node.input {
                    if let Some(&at) = initializers.get(input)
                        && graph.initializer[at].dims.len() > 1
                    {
                        return None;
                    }
                }
            }
            "Constant" => {
                let value = node.attribute.iter().find(|a| a.name == "value")?;
                if value.t.as_ref().is_none_or(|t| t.dims.len() > 1) {
                    return None;
                }
            }
            _ => {}
        }
    }

    // Tensors entering the decoder gain the axis; those leaving it lose it again.
    let mut nodes = Vec::with_capacity(graph.node.len() + 4);
    let mut entered: HashMap<String, String> = HashMap::new();
    for mut node in std::mem::take(&mut graph.node) {
        if in_decoder(&node) {
            for input in node.input.iter_mut() {
                let outside = !input.is_empty()
                    && !produced.contains(input.as_str())
                    && !initializers.contains_key(input.as_str());
                if outside {
                    let wide = entered.entry(input.clone()).or_insert_with(|| {
                        let wide = format!("{input}.recast2d");
                        nodes.push(axis_node("Unsqueeze", input, &wide));
                        wide
                    });
                    *input = wide.clone();
                }
            }
            let mut leaving = Vec::new();
            for output in node.output.iter_mut() {
                if used_outside.contains(output.as_str()) {
                    let wide = format!("{output}.recast2d");
                    leaving.push(axis_node("Squeeze", &wide, output));
                    *output = wide;
                }
            }
            nodes.push(node);
            nodes.extend(leaving);
        } else {
            nodes.push(node);
        }
    }
    graph.node = nodes;
    graph.initializer.push(axis_tensor());
    // Shape annotations of the decoder's tensors no longer hold; they are optional.
    graph.value_info.clear();
    proto.write_to_bytes().ok()
}

/// Turns a 1-D convolution's attributes into those of the same 2-D convolution over a
/// height of 1.
fn widen_attributes(node: &mut NodeProto) -> Option<()> {
    for attribute in node.attribute.iter_mut() {
        let ints = &mut attribute.ints;
        match attribute.name.as_str() {
            "kernel_shape" | "dilations" | "strides" if ints.len() == 1 => ints.insert(0, 1),
            "output_padding" if ints.len() == 1 => ints.insert(0, 0),
            "pads" if ints.len() == 2 => {
                let (begin, end) = (ints[0], ints[1]);
                *ints = vec![0, begin, 0, end];
            }
            "group" => {}
            // `auto_pad`, `output_shape` and anything unforeseen: leave the model alone.
            _ => return None,
        }
    }
    Some(())
}

fn axis_node(op: &str, input: &str, output: &str) -> NodeProto {
    let mut node = NodeProto::new();
    node.op_type = op.to_string();
    node.name = format!("recast/{op}/{output}");
    node.input = vec![input.to_string(), AXIS_NAME.to_string()];
    node.output = vec![output.to_string()];
    node
}

fn axis_tensor() -> TensorProto {
    let mut axis = TensorProto::new();
    axis.name = AXIS_NAME.to_string();
    axis.dims = vec![1];
    axis.data_type = onnx_protobuf::tensor_proto::DataType::INT64 as i32;
    axis.int64_data = vec![2];
    axis
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use onnx_protobuf::{AttributeProto, GraphProto, OperatorSetIdProto, ValueInfoProto};

    /// A node for graphs built in tests (also the Kokoro cut's).
    pub(in crate::synth) fn node(
        name: &str,
        op: &str,
        inputs: &[&str],
        outputs: &[&str],
    ) -> NodeProto {
        let mut n = NodeProto::new();
        n.name = name.into();
        n.op_type = op.into();
        n.input = inputs.iter().map(|s| s.to_string()).collect();
        n.output = outputs.iter().map(|s| s.to_string()).collect();
        n
    }

    fn ints(name: &str, values: &[i64]) -> AttributeProto {
        let mut a = AttributeProto::new();
        a.name = name.into();
        a.ints = values.to_vec();
        a
    }

    fn weight(name: &str, dims: &[i64]) -> TensorProto {
        let mut t = TensorProto::new();
        t.name = name.into();
        t.dims = dims.to_vec();
        t.data_type = onnx_protobuf::tensor_proto::DataType::FLOAT as i32;
        t
    }

    /// flow -> /dec/conv (k=7, pads 3) -> /dec/LeakyRelu -> /dec/ups (ConvTranspose) ->
    /// output.
    fn little_vits(opset: i64) -> ModelProto {
        let mut conv = node("/dec/conv/Conv", "Conv", &["z", "w", "b"], &["c"]);
        conv.attribute = vec![
            ints("kernel_shape", &[7]),
            ints("pads", &[3, 3]),
            ints("dilations", &[1]),
        ];
        let mut ups = node(
            "/dec/ups/ConvTranspose",
            "ConvTranspose",
            &["r", "u"],
            &["y"],
        );
        ups.attribute = vec![
            ints("kernel_shape", &[16]),
            ints("strides", &[8]),
            ints("pads", &[4, 4]),
        ];
        let mut graph = GraphProto::new();
        graph.node = vec![
            node("/flow/Mul", "Mul", &["x", "x"], &["z"]),
            conv,
            node("/dec/LeakyRelu", "LeakyRelu", &["c"], &["r"]),
            ups,
        ];
        graph.initializer = vec![
            weight("w", &[4, 2, 7]),
            weight("b", &[4]),
            weight("u", &[4, 1, 16]),
        ];
        let mut out = ValueInfoProto::new();
        out.name = "y".into();
        graph.output = vec![out];
        graph.value_info = vec![ValueInfoProto::new()];
        let mut model = ModelProto::new();
        model.graph = Some(graph).into();
        let mut opset_id = OperatorSetIdProto::new();
        opset_id.version = opset;
        model.opset_import = vec![opset_id];
        model
    }

    fn rewritten(model: &ModelProto) -> Option<GraphProto> {
        let bytes = decoder_in_2d(&model.write_to_bytes().unwrap())?;
        Some(ModelProto::parse_from_bytes(&bytes).unwrap().graph.unwrap())
    }

    fn attribute<'a>(graph: &'a GraphProto, node: &str, name: &str) -> &'a [i64] {
        let n = graph.node.iter().find(|n| n.name == node).unwrap();
        &n.attribute.iter().find(|a| a.name == name).unwrap().ints
    }

    #[test]
    fn decoder_convolutions_become_2d_between_an_unsqueeze_and_a_squeeze() {
        let graph = rewritten(&little_vits(15)).expect("a decoder it understands");
        let ops: Vec<&str> = graph.node.iter().map(|n| n.op_type.as_str()).collect();
        assert_eq!(
            ops,
            [
                "Mul",
                "Unsqueeze",
                "Conv",
                "LeakyRelu",
                "ConvTranspose",
                "Squeeze"
            ]
        );
        assert_eq!(graph.node[1].input, ["z", AXIS_NAME]);
        assert_eq!(graph.node[2].input[0], graph.node[1].output[0]);
        // The graph output keeps its name and gets its 3-D shape back.
        assert_eq!(graph.node[5].output, ["y"]);
        assert_eq!(graph.node[5].input[0], graph.node[4].output[0]);
        assert_eq!(attribute(&graph, "/dec/conv/Conv", "kernel_shape"), [1, 7]);
        assert_eq!(attribute(&graph, "/dec/conv/Conv", "pads"), [0, 3, 0, 3]);
        assert_eq!(attribute(&graph, "/dec/conv/Conv", "dilations"), [1, 1]);
        assert_eq!(
            attribute(&graph, "/dec/ups/ConvTranspose", "strides"),
            [1, 8]
        );
        let dims = |name: &str| {
            graph
                .initializer
                .iter()
                .find(|t| t.name == name)
                .unwrap()
                .dims
                .clone()
        };
        assert_eq!(dims("w"), [4, 2, 1, 7]);
        assert_eq!(dims("u"), [4, 1, 1, 16]);
        assert_eq!(dims("b"), [4]);
        assert_eq!(dims(AXIS_NAME), [1]);
        assert!(graph.value_info.is_empty());
    }

    #[test]
    fn models_it_does_not_understand_are_left_alone() {
        assert!(rewritten(&little_vits(11)).is_none(), "old opset");
        let mut other_op = little_vits(15);
        other_op.graph.as_mut().unwrap().node[2].op_type = "Softmax".into();
        assert!(
            rewritten(&other_op).is_none(),
            "an op that is not element-wise"
        );
        let mut auto_pad = little_vits(15);
        auto_pad.graph.as_mut().unwrap().node[1]
            .attribute
            .push(ints("auto_pad", &[]));
        assert!(rewritten(&auto_pad).is_none(), "auto_pad");
        let mut no_decoder = little_vits(15);
        for n in &mut no_decoder.graph.as_mut().unwrap().node {
            n.name = n.name.replace("/dec/", "/other/");
        }
        assert!(rewritten(&no_decoder).is_none(), "no decoder");
        assert!(decoder_in_2d(b"not a model at all").is_none());
    }
}
