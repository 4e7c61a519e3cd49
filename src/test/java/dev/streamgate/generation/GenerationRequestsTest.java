package dev.streamgate.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamgate.stream.OnDisconnect;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GenerationRequestsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static GenerationRequest parse(String json) throws Exception {
    return GenerationRequests.fromJson(JSON.readTree(json));
  }

  @Test
  void everyFieldButMessagesHasADefault() throws Exception {
    GenerationRequest request = parse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertEquals("simulated", request.model());
    assertEquals(List.of(new Message("user", "hi")), request.messages());
    assertEquals(256, request.maxTokens());
    assertEquals(Simulation.DEFAULT, request.simulation());
  }

  @Test
  void readsTheWholeRequestAndIgnoresUnknownFields() throws Exception {
    GenerationRequest request =
        parse(
            """
        {"model":"simulated","messages":[{"role":"system","content":"be brief"},
         {"role":"user","content":"hi"}],"max_tokens":8192,"temperature":0.2,
         "simulation":{"ttft_ms":0,"tokens_per_second":0.5,"seed":-3,"length":9,"fail_after":4}}
        """);
    assertEquals(8192, request.maxTokens());
    assertEquals(new Simulation(0, 0.5, -3, 9, 4), request.simulation());
    assertEquals("hi", request.prompt());
  }

  @Test
  void onDisconnectIsTheClientsChoiceOrNullForTheEndpointsDefault() throws Exception {
    String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]";
    assertNull(parse("{" + messages + "}").onDisconnect());
    assertNull(parse("{" + messages + ",\"on_disconnect\":null}").onDisconnect());
    GenerationRequest cancel = parse("{" + messages + ",\"on_disconnect\":\"cancel\"}");
    assertEquals(OnDisconnect.CANCEL, cancel.onDisconnect());
    assertEquals(OnDisconnect.CANCEL, cancel.orOnDisconnect(OnDisconnect.KEEP).onDisconnect());
    GenerationRequest unset = parse("{" + messages + "}");
    assertEquals(OnDisconnect.KEEP, unset.orOnDisconnect(OnDisconnect.KEEP).onDisconnect());
    assertEquals(
        OnDisconnect.KEEP, parse("{" + messages + ",\"on_disconnect\":\"keep\"}").onDisconnect());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "[]                                                          | ",
        "{}                                                          | messages",
        "{'messages':[]}                                             | messages",
        "{'messages':'hi'}                                           | messages",
        "{'messages':[1]}                                            | messages[0]",
        "{'messages':[{'role':'boss','content':'x'}]}                | messages[0].role",
        "{'messages':[{'role':'user'}]}                              | messages[0].content",
        "{'messages':[{'role':'user','content':3}]}                  | messages[0].content",
        "{'messages':[{'role':'user','content':'x'}],'max_tokens':0}      | max_tokens",
        "{'messages':[{'role':'user','content':'x'}],'max_tokens':8193}   | max_tokens",
        "{'messages':[{'role':'user','content':'x'}],'max_tokens':'abc'}  | max_tokens",
        "{'messages':[{'role':'user','content':'x'}],'max_tokens':1.5}    | max_tokens",
        "{'messages':[{'role':'user','content':'x'}],'max_tokens':1e300}  | max_tokens",
        "{'messages':[{'role':'user','content':'x'}],'max_tokens':99999999999999999999999} | max_tokens",
        "{'messages':[{'role':'user','content':'x'}],'model':''}          | model",
        "{'messages':[{'role':'user','content':'x'}],'model':7}           | model",
        "{'messages':[{'role':'user','content':'x'}],'simulation':3}      | simulation",
        "{'messages':[{'role':'user','content':'x'}],'simulation':{'ttft_ms':-1}}            | simulation.ttft_ms",
        "{'messages':[{'role':'user','content':'x'}],'simulation':{'tokens_per_second':0}}   | simulation.tokens_per_second",
        "{'messages':[{'role':'user','content':'x'}],'simulation':{'seed':'x'}}              | simulation.seed",
        "{'messages':[{'role':'user','content':'x'}],'on_disconnect':'CANCEL'}  | on_disconnect",
        "{'messages':[{'role':'user','content':'x'}],'on_disconnect':true}      | on_disconnect",
      })
  void aBadRequestNamesTheFieldAtFault(String json, String param) {
    InvalidRequestException e =
        assertThrows(InvalidRequestException.class, () -> parse(json.replace('\'', '"')));
    assertEquals("invalid_request", e.code());
    assertEquals(param, e.param());
  }
}
