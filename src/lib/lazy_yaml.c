/*
 * lazy_yaml.c - the libyaml functions aishell calls, forwarded to libyaml
 * opened on first use (see lazy.h): only a config.yaml that exists is
 * parsed.
 */
#include "lazy.h"

#include <yaml.h>

#define YAML_FUNCS(F, V, H)                                                 \
	F(int, yaml_parser_initialize, (yaml_parser_t *parser), (parser), 0) \
	V(void, yaml_parser_set_input_file,                                 \
	  (yaml_parser_t *parser, FILE *file), (parser, file), )            \
	V(void, yaml_parser_set_input_string,                               \
	  (yaml_parser_t *parser, const unsigned char *input, size_t size), \
	  (parser, input, size), )                                          \
	F(int, yaml_parser_parse, (yaml_parser_t *parser, yaml_event_t *event), \
	  (parser, event), 0)                                               \
	V(void, yaml_event_delete, (yaml_event_t *event), (event), )        \
	F(int, yaml_parser_load,                                            \
	  (yaml_parser_t *parser, yaml_document_t *document),               \
	  (parser, document), 0)                                            \
	V(void, yaml_parser_delete, (yaml_parser_t *parser), (parser), )    \
	F(yaml_node_t *, yaml_document_get_root_node,                       \
	  (yaml_document_t *document), (document), NULL)                    \
	F(yaml_node_t *, yaml_document_get_node,                            \
	  (yaml_document_t *document, int index), (document, index), NULL)  \
	V(void, yaml_document_delete, (yaml_document_t *document),          \
	  (document), )

AIS_LAZY_LIBRARY(YAML_FUNCS, "libyaml", AIS_YAML_SONAME)

int ais_yaml_ready(void)
{
	return ais_lazy_ready(&lib);
}
